#!/usr/bin/env bash
# Debian's python3-onnx (the ONNX checker) for test/network/io/onnx/onnxChecker.test.ts, installed only when the
# system Python cannot import onnx. Idempotent; runs as root or through sudo. Bookworm's main archive has it (1.12).
set -euo pipefail
PYTHON="${FETS_PYTHON:-/usr/bin/python3}"
if [ -x "$PYTHON" ] && "$PYTHON" -c 'import onnx' > /dev/null 2>&1; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends python3 python3-onnx > /dev/null
"$PYTHON" -c 'import onnx; print("python3-onnx", onnx.__version__)'
