# The meshdoh sync job. Build from the repository root:
#   docker build -f deploy/sync.Dockerfile -t meshdoh-sync .
# The build runs the commands CI runs (.ci/run): npm ci, then the type check. The job runs
# from source through tsx, as `npm run sync` does.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json worker-configuration.d.ts ./
COPY src ./src
RUN npm run typecheck

FROM node:22-bookworm-slim
WORKDIR /app
# The runtime image holds the production dependencies only (tsx among them: the code runs
# from source) and the sources the type check passed.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY --from=build /app/src ./src
# A numeric user, so that the kubelet can check runAsNonRoot.
USER 10001:10001
ENTRYPOINT ["node_modules/.bin/tsx", "src/sync/main.ts"]
CMD ["--help"]
