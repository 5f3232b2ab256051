#!/usr/bin/env bash
# Installs the Debian packages the browser suite needs, once: Chromium for the browser tests
# (Playwright drives /usr/bin/chromium; no browser download) and Mesa's EGL/GLES for WebGPU in
# Node through the `webgpu` package (libgl1-mesa-dri holds llvmpipe, the software driver it runs
# on), and redis-server for the queue tests (objsel submit / worker, npm run test:queue). Idempotent: returns at once when everything is present.
# Run as root (CI is) or through sudo; `npm test` runs it before `npm run test:browser`.
set -uo pipefail
need=()
[ -x "${OBJSEL_CHROMIUM:-/usr/bin/chromium}" ] || need+=(chromium)
[ -x "${OBJSEL_REDIS_SERVER:-/usr/bin/redis-server}" ] || need+=(redis-server)
for pkg in libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || need+=("$pkg")
done
if [ ${#need[@]} -eq 0 ]; then
  echo "setup-system: chromium, redis-server and Mesa EGL/GLES present"
  exit 0
fi

fail() {
  echo "setup-system: FAILED: $1" >&2
  echo "setup-system: the browser suite needs the Debian packages: ${need[*]}" >&2
  echo "setup-system: install them by hand (apt-get install -y --no-install-recommends ${need[*]}) and run npm test again" >&2
  exit 1
}

sudo=()
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
  else
    fail "not root and no password-less sudo"
  fi
fi
command -v apt-get >/dev/null 2>&1 || fail "apt-get not found (not a Debian/Ubuntu system)"

echo "setup-system: installing ${need[*]} (apt-get)"
export DEBIAN_FRONTEND=noninteractive
start=$(date +%s)
log=$(mktemp)
"${sudo[@]}" apt-get update -qq >"$log" 2>&1 || { tail -n 20 "$log" >&2; fail "apt-get update failed (network or apt sources?)"; }
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >"$log" 2>&1 || { tail -n 20 "$log" >&2; fail "apt-get install failed"; }
rm -f "$log"
[ -x "${OBJSEL_CHROMIUM:-/usr/bin/chromium}" ] || fail "apt-get finished but ${OBJSEL_CHROMIUM:-/usr/bin/chromium} is missing"
[ -x "${OBJSEL_REDIS_SERVER:-/usr/bin/redis-server}" ] || fail "apt-get finished but ${OBJSEL_REDIS_SERVER:-/usr/bin/redis-server} is missing"
echo "setup-system: done in $(($(date +%s) - start)) s ($("${OBJSEL_CHROMIUM:-/usr/bin/chromium}" --version 2>/dev/null | head -n 1))"
