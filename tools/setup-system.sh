#!/usr/bin/env bash
# Installs the Debian packages the test suite needs, once: Chromium for the browser tests
# (Playwright drives /usr/bin/chromium; no browser download) and Mesa's EGL/GLES for WebGPU in
# Node through the `webgpu` package. Idempotent; does nothing when everything is present.
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
dpkg -s libegl-mesa0 >/dev/null 2>&1 || need+=(libegl-mesa0)
dpkg -s libgles2 >/dev/null 2>&1 || need+=(libgles2)
dpkg -s libegl1 >/dev/null 2>&1 || need+=(libegl1)
if [ ${#need[@]} -eq 0 ]; then
  echo "setup-system: chromium and Mesa EGL/GLES present"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "setup-system: missing ${need[*]}; run as root (apt-get install -y ${need[*]})" >&2
  exit 1
fi
echo "setup-system: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "setup-system: done"
