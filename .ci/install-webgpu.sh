#!/usr/bin/env bash
# Installs lavapipe (Mesa's software Vulkan driver) recent enough for Dawn, for the WebGPU suite
# (test/network/webgpu): Debian 12's own Mesa 22.3 is refused by Dawn (requestAdapter() returns null: "Vulkan
# shaderUniform*ArrayDynamicIndexing required"); bookworm-backports' Mesa 25 works. Idempotent: does nothing when a
# mesa-vulkan-drivers of major version >= 24 is installed; adds the backports source only where it is missing.
# Runs as root, or through sudo. Not Debian bookworm: says so and exits 0 (then FETS_REQUIRE_WEBGPU=1 makes the
# suite fail, naming the missing adapter).
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

installed=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2> /dev/null || true)
major=${installed%%.*}
if [ -n "$installed" ] && [ "${major:-0}" -ge 24 ] 2> /dev/null; then
  echo "install-webgpu: mesa-vulkan-drivers $installed already installed"
  exit 0
fi

codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
if [ "$codename" != "bookworm" ]; then
  echo "install-webgpu: not Debian bookworm ($codename): install a Mesa >= 24 Vulkan driver (lavapipe) yourself"
  exit 0
fi

if ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
  echo "install-webgpu: adding the bookworm-backports source"
  $SUDO tee /etc/apt/sources.list.d/fets-backports.sources > /dev/null << 'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers > /dev/null
echo "install-webgpu: mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers)"
