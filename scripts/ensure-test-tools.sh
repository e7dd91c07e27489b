#!/bin/sh
# `npm test`'s pretest. The Node interop tests (test/node) drive real DNS clients and a VM-side
# stub, which npm cannot install: on Debian or Ubuntu as root this installs what is missing, so
# that the README's test command passes on a fresh machine by itself; otherwise it names the
# packages and stops before a long run that would fail on them.
set -eu

missing=''
need() { # need TOOL PACKAGE
  command -v "$1" >/dev/null 2>&1 || missing="$missing $2"
}
need dig bind9-dnsutils
need kdig knot-dnsutils
need dnsperf dnsperf
need dnsdist dnsdist
need curl curl
need openssl openssl
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "meshdoh: installing the tools the interop tests run:$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086 # one word per package
  apt-get install -y -qq --no-install-recommends $missing ca-certificates >/dev/null
  case "$missing" in
  *' dnsdist'*)
    # The package starts a system service on port 53; the tests run instances of their own.
    { systemctl stop dnsdist || service dnsdist stop || true; } >/dev/null 2>&1
    ;;
  esac
  exit 0
fi

echo "meshdoh: npm test runs real DNS clients; missing packages:$missing" >&2
echo "  install them with: sudo apt-get install$missing (npm test as root on Debian/Ubuntu does it)" >&2
exit 1
