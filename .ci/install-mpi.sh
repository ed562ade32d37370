#!/usr/bin/env bash
# Installs Open MPI (openmpi-bin: mpirun and libmpi; libopenmpi-dev: mpicc and mpi.h, for fets' MPI binding) when
# missing, for the distributed tests (test/network/distributed/, FETS_REQUIRE_MPI=1). Idempotent; works as root or
# through sudo. After installing, rebuild the binding: node packages/network/native-mpi/build.mjs
set -euo pipefail
missing=()
command -v mpirun > /dev/null || missing+=(openmpi-bin)
command -v mpicc > /dev/null || missing+=(libopenmpi-dev)
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
  echo "install-mpi: installed ${missing[*]}"
fi
# The binding is built by `npm ci` when MPI is present; build it now if MPI arrived after that.
here="$(cd "$(dirname "$0")/.." && pwd)"
if [ ! -f "$here/packages/network/native-mpi/build/Release/fets_mpi.node" ] && [ -d "$here/node_modules" ]; then
  node "$here/packages/network/native-mpi/build.mjs"
fi
