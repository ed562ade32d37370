#!/usr/bin/env bash
# On a machine with a GPU, as it is: installs fets (npm ci; the optional packages `webgpu` (Dawn) and
# @tensorflow/tfjs-backend-webgpu come with it), reports the WebGPU adapter Dawn finds, then times the BERT model
# step on fets' WebGPU path against PyTorch on CUDA (when /usr/bin/python3 has torch with CUDA) and on the CPU,
# writing bench/results/gpu-<timestamp>.json (bench/gpu.ts).
# Needs Node >= 20.19 and a Vulkan (Linux), Metal (macOS) or D3D12 (Windows) driver; on Linux the GPU's Vulkan ICD
# (NVIDIA's driver, or Mesa's radv/anv: apt-get install mesa-vulkan-drivers).
# Usage: bash bench/gpu.sh [--sizes tiny,mini] [--reps 5] [--warmup 2]
set -euo pipefail
cd "$(dirname "$0")/.."
node --version
if [ ! -d node_modules/webgpu ] || [ ! -d node_modules/@tensorflow/tfjs-backend-webgpu ]; then
  npm ci --no-audit --no-fund
fi
if command -v nvidia-smi > /dev/null; then nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true; fi
if command -v vulkaninfo > /dev/null; then vulkaninfo --summary 2> /dev/null | grep -E "deviceName|driverName" || true; fi
# The adapter fets would use (and whether it is a software one); no adapter: stop with the reason.
node --conditions=fets-source --import tsx -e "
  const { probeWebGpuAdapter, adapterLabel } = await import('@fets/network');
  try {
    const a = await probeWebGpuAdapter();
    console.log('gpu.sh: WebGPU adapter: ' + adapterLabel(a) + (a.software ? ' (software: proves the path only)' : ''));
  } catch (e) {
    console.error('gpu.sh: ' + e.message);
    process.exit(1);
  }
"
node --conditions=fets-source --import tsx bench/gpu.ts "$@"
