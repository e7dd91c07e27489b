# The meshdoh sync job. Build from the repository root:
#   docker build -f deploy/sync.Dockerfile -t meshdoh-sync .
# The build runs the commands CI runs (.ci/run): npm ci, then the type check; then it bundles
# the job with esbuild (`npm run build:sync`, scripts/build-sync.ts). The container runs that
# one file, dist/sync/main.mjs, with plain node: no tsx, and only the parts of the
# dependencies the job uses, which saves memory and start-up time (see scripts/build-sync.ts).
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json worker-configuration.d.ts ./
COPY src ./src
COPY scripts ./scripts
RUN npm run typecheck
RUN npm run build:sync

FROM node:22-bookworm-slim
WORKDIR /app
# The bundle holds every dependency: no node_modules, no npm ci here. Its source map comes
# along for `node --enable-source-maps` when a stack trace needs reading.
COPY --from=build /app/dist/sync ./dist/sync
# A numeric user, so that the kubelet can check runAsNonRoot.
USER 10001:10001
# Memory flags: SYNC_NODE_FLAGS in scripts/build-sync.ts says why (a test keeps the two equal).
ENTRYPOINT ["node", "--max-semi-space-size=4", "--heap-growing-percent=25", "dist/sync/main.mjs"]
CMD ["--help"]
