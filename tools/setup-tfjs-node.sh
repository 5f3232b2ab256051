#!/usr/bin/env bash
# Makes `--backend tensorflow` work on a machine where @tensorflow/tfjs-node's install script
# cannot run (it downloads libtensorflow and a prebuilt binding from a host these machines do not
# reach). Builds the binding here instead, against the TensorFlow libraries of the
# tensorflow-cpu Python wheel (which export TensorFlow's C and eager C APIs):
#
#   1. `npm install --no-save --ignore-scripts @tensorflow/tfjs-node@4.22.0` at the workspace
#      root. It stays an optional peer of @objsel/deeplab-resnet: package.json and the lockfile
#      are not touched (checked), and the next `npm ci` removes it again (then run this again).
#   2. `pip download --no-deps tensorflow-cpu==2.21.0`, unpacked once into the cache: the two
#      libraries and the whole `tensorflow/include` tree (`tensorflow/c/*.h` include `xla/tsl/...`).
#   3. tfjs-node's `deps/include` -> the wheel's include tree; `deps/lib/libtensorflow.so(.2)` ->
#      `libtensorflow_cc.so.2`, `deps/lib/libtensorflow_framework.so(.2)` -> the framework.
#   4. npm's bundled node-gyp builds the binding against this Node's own headers (`--nodedir` is a
#      folder holding `include/node`, `common.gypi` and `config.gypi` from the headers installed
#      with Node; nothing is downloaded), N-API 8, with an rpath to the cached libraries so no
#      LD_LIBRARY_PATH is needed at run time. About 20-90 s on 2 cores.
#   5. The binding is cached and copied into `lib/napi-v8/`; a load test runs one conv2d.
#
# Cache: ${OBJSEL_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/objsel}, keyed by the versions
# (tfjs-node, tensorflow-cpu, Node version and module ABI, architecture). A second run only
# re-links and copies (seconds). OBJSEL_TF_WHEEL=/path/to/tensorflow_cpu-2.21.0-*.whl skips pip.
# Needs: node/npm, python3 with pip, g++ and make, and Node's headers (include/node).
#
# At run time objsel's loadBackend('tensorflow') sets TF_ENABLE_ONEDNN_OPTS=0 when it is unset
# (TensorFlow 2.21 with oneDNN on died with SIGFPE on an AVX-512 AMD EPYC) and TF_CPP_MIN_LOG_LEVEL=1
# (no info lines on stderr); export either yourself to override.
#
# tfjs-node-gpu (CUDA), the same on paper (no GPU on these machines, not tested): install
# `@tensorflow/tfjs-node-gpu@4.22.0` with --ignore-scripts instead; take a CUDA build of
# libtensorflow whose C API matches (the `tensorflow` wheel of a version built for the CUDA and
# cuDNN on the machine, whose libtensorflow_cc.so.2 links the CUDA kernels, with its NVIDIA
# runtime libraries on the loader path, e.g. the nvidia-* wheels' lib folders in LD_LIBRARY_PATH;
# or Google's libtensorflow-gpu tarball, whose libtensorflow.so.2 is linked directly); make the same
# deps/include and deps/lib links inside node_modules/@tensorflow/tfjs-node-gpu, and run the same
# node-gyp command there. loadBackend('tensorflow') tries tfjs-node-gpu before tfjs-node.
set -euo pipefail

TFJS_NODE_VERSION=4.22.0
TF_VERSION=2.21.0
NAPI_VERSION=8

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
started=$(date +%s)
say() { echo "setup-tfjs-node: $*"; }
fail() {
  echo "setup-tfjs-node: FAILED: $*" >&2
  exit 1
}
need() { command -v "$1" >/dev/null 2>&1 || fail "$1 not found ($2)"; }

need node "Node.js runs the build and the binding"
need npm "npm installs @tensorflow/tfjs-node"
[ -d "$ROOT/node_modules/@tensorflow/tfjs-core" ] || fail "$ROOT/node_modules is not installed: run npm ci first"

NODE_VERSION=$(node -p 'process.version')
NODE_ABI=$(node -p 'process.versions.modules')
ARCH=$(node -p 'process.platform + "-" + process.arch')
[ "$ARCH" = linux-x64 ] || fail "only linux-x64 is set up here (tensorflow-cpu wheel libraries); this is $ARCH"

CACHE="${OBJSEL_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/objsel}"
TF_DIR="$CACHE/tensorflow-cpu-$TF_VERSION-$ARCH"
BIN_DIR="$CACHE/tfjs-node-$TFJS_NODE_VERSION-tf-$TF_VERSION-node-$NODE_VERSION-abi$NODE_ABI-napi$NAPI_VERSION-$ARCH"
PKG="$ROOT/node_modules/@tensorflow/tfjs-node"
mkdir -p "$CACHE"

# One setup at a time per cache (the cache may be shared by several checkouts).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$CACHE/.setup-tfjs-node.lock"
  flock 9
fi

lockfile_hash() { sha256sum "$ROOT/package-lock.json" "$ROOT/package.json" | sha256sum | cut -d' ' -f1; }

# 1. The package, without its install script.
installed=$(node -p "try { require('$PKG/package.json').version } catch { '' }")
if [ "$installed" != "$TFJS_NODE_VERSION" ]; then
  before=$(lockfile_hash)
  cp "$ROOT/package-lock.json" "$CACHE/.package-lock.json.bak"
  cp "$ROOT/package.json" "$CACHE/.package.json.bak"
  log="$CACHE/npm-install.log"
  (cd "$ROOT" && npm install --no-save --ignore-scripts --no-audit --no-fund "@tensorflow/tfjs-node@$TFJS_NODE_VERSION") >"$log" 2>&1 ||
    { tail -n 15 "$log" >&2; fail "npm install @tensorflow/tfjs-node@$TFJS_NODE_VERSION failed (log: $log)"; }
  if [ "$(lockfile_hash)" != "$before" ]; then
    cp "$CACHE/.package-lock.json.bak" "$ROOT/package-lock.json"
    cp "$CACHE/.package.json.bak" "$ROOT/package.json"
    fail "npm install changed package.json or package-lock.json (restored them); tfjs-node must stay out of the lockfile"
  fi
  say "installed @tensorflow/tfjs-node@$TFJS_NODE_VERSION (--no-save --ignore-scripts; lockfile unchanged)"
else
  say "@tensorflow/tfjs-node@$TFJS_NODE_VERSION already in node_modules"
fi

# 2. TensorFlow's libraries and headers from the tensorflow-cpu wheel, unpacked once.
if [ ! -f "$TF_DIR/.complete" ]; then
  need python3 "pip downloads and unpacks the tensorflow-cpu wheel"
  tmp="$CACHE/.wheel-$$"
  rm -rf "$tmp" "$TF_DIR"
  mkdir -p "$tmp"
  trap 'rm -rf "$tmp"' EXIT
  wheel="${OBJSEL_TF_WHEEL:-}"
  if [ -z "$wheel" ]; then
    python3 -m pip --version >/dev/null 2>&1 || fail "pip not found (python3 -m pip): needed to download tensorflow-cpu==$TF_VERSION"
    log="$CACHE/pip-download.log"
    # The wheel's libraries do not depend on the Python version; if none is published for this
    # Python, take the cp311 one.
    python3 -m pip download --no-deps "tensorflow-cpu==$TF_VERSION" -d "$tmp" >"$log" 2>&1 ||
      python3 -m pip download --no-deps --only-binary=:all: --python-version 3.11 --platform manylinux_2_27_x86_64 \
        "tensorflow-cpu==$TF_VERSION" -d "$tmp" >>"$log" 2>&1 ||
      { tail -n 5 "$log" >&2; fail "pip download tensorflow-cpu==$TF_VERSION failed: no such wheel on the configured index (pip config list; log: $log)"; }
    wheel=$(ls "$tmp"/tensorflow_cpu-"$TF_VERSION"-*.whl 2>/dev/null | head -n 1)
    [ -n "$wheel" ] || fail "pip reported success but left no tensorflow_cpu-$TF_VERSION wheel in $tmp"
  fi
  [ -f "$wheel" ] || fail "wheel $wheel not found"
  python3 - "$wheel" "$tmp/x" <<'PY' || fail "could not unpack $wheel (not a tensorflow-cpu wheel?)"
import sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
libs = {'tensorflow/libtensorflow_cc.so.2', 'tensorflow/libtensorflow_framework.so.2'}
with zipfile.ZipFile(wheel) as z:
    names = [n for n in z.namelist() if n in libs or n.startswith('tensorflow/include/')]
    missing = libs - set(names)
    if missing:
        sys.exit(f'missing in the wheel: {sorted(missing)}')
    z.extractall(out, names)
PY
  mv "$tmp/x/tensorflow" "$TF_DIR"
  rm -rf "$tmp"
  trap - EXIT
  touch "$TF_DIR/.complete"
  say "unpacked $(basename "$wheel") into $TF_DIR"
else
  say "TensorFlow $TF_VERSION libraries cached in $TF_DIR"
fi

# 3. The links tfjs-node's binding.gyp expects (deps/include, deps/lib). libtensorflow_cc.so.2 is
# also linked under its own name: the binding asks for it by that name at run time, and its
# built-in rpath ($ORIGIN/../../deps/lib) then finds it even without the cache rpath below.
mkdir -p "$PKG/deps/lib"
ln -sfn "$TF_DIR/include" "$PKG/deps/include"
for n in libtensorflow.so libtensorflow.so.2 libtensorflow_cc.so.2; do ln -sfn "$TF_DIR/libtensorflow_cc.so.2" "$PKG/deps/lib/$n"; done
for n in libtensorflow_framework.so libtensorflow_framework.so.2; do ln -sfn "$TF_DIR/libtensorflow_framework.so.2" "$PKG/deps/lib/$n"; done

# 4. The binding, built once per Node/TensorFlow/tfjs-node version.
if [ ! -f "$BIN_DIR/tfjs_binding.node" ]; then
  need python3 "node-gyp runs gyp with it"
  need g++ "the binding is C++ (apt-get install g++)"
  need make "node-gyp generates a Makefile (apt-get install make)"
  headers=$(node -p 'require("path").resolve(process.execPath, "../../include/node")')
  headers="${OBJSEL_NODE_HEADERS:-$headers}"
  [ -f "$headers/node_api.h" ] && [ -f "$headers/common.gypi" ] ||
    fail "Node's headers not found at $headers (node_api.h, common.gypi; set OBJSEL_NODE_HEADERS to the include/node folder)"
  gyp="${npm_config_node_gyp:-}"
  if [ -z "$gyp" ] || [ ! -f "$gyp" ]; then
    gyp="$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js"
  fi
  [ -f "$gyp" ] || fail "npm's bundled node-gyp not found (looked for $gyp)"
  nodedir="$CACHE/node-headers-$NODE_VERSION"
  mkdir -p "$nodedir/include"
  ln -sfn "$headers" "$nodedir/include/node"
  cp "$headers/common.gypi" "$headers/config.gypi" "$nodedir/"
  log="$CACHE/node-gyp-build.log"
  t0=$(date +%s)
  # The rpath makes the binding find the cached libraries without LD_LIBRARY_PATH.
  (cd "$PKG" && LDFLAGS="-Wl,-rpath,$TF_DIR" node "$gyp" rebuild --nodedir="$nodedir" -j "$(nproc 2>/dev/null || echo 2)" \
    --module_name=tfjs_binding --module_path=./lib/napi-v$NAPI_VERSION --napi_build_version=$NAPI_VERSION) >"$log" 2>&1 ||
    { tail -n 15 "$log" >&2; fail "node-gyp build of the tfjs-node binding failed (log: $log)"; }
  mkdir -p "$BIN_DIR.tmp"
  cp "$PKG/build/Release/tfjs_binding.node" "$BIN_DIR.tmp/"
  rm -rf "$BIN_DIR" && mv "$BIN_DIR.tmp" "$BIN_DIR"
  rm -rf "$PKG/build"
  say "built the binding in $(($(date +%s) - t0)) s (node-gyp, Node $NODE_VERSION headers), cached in $BIN_DIR"
else
  say "binding cached in $BIN_DIR"
fi

# 5. Into the place node-pre-gyp looks (lib/napi-v8 for N-API 8 and later), then a load test.
mkdir -p "$PKG/lib/napi-v$NAPI_VERSION"
cmp -s "$BIN_DIR/tfjs_binding.node" "$PKG/lib/napi-v$NAPI_VERSION/tfjs_binding.node" ||
  cp "$BIN_DIR/tfjs_binding.node" "$PKG/lib/napi-v$NAPI_VERSION/tfjs_binding.node"
check=$(cd "$ROOT" && TF_ENABLE_ONEDNN_OPTS="${TF_ENABLE_ONEDNN_OPTS:-0}" TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-1}" node -e '
  const tf = require("@tensorflow/tfjs-node");
  const y = tf.conv2d(tf.ones([1, 8, 8, 2]), tf.ones([3, 3, 2, 1]), 1, "same");
  const v = y.dataSync()[9];
  if (tf.getBackend() !== "tensorflow" || v !== 18) throw new Error(`backend ${tf.getBackend()}, conv2d gave ${v}`);
' 2>&1) || fail "@tensorflow/tfjs-node does not load: $(echo "$check" | grep -v '^\s*at ' | tail -n 2 | tr '\n' ' ')"
say "ready: require('@tensorflow/tfjs-node') runs on the tensorflow backend ($(($(date +%s) - started)) s in all)"
