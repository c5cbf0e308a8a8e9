#!/usr/bin/env bash
# Installs the Debian 12 packages AutoSpace builds against, skipping those already present.
# Usage: tools/install-deps.sh [--bench] [--fuzz]
#   --bench adds PyTorch/PIL for the side-by-side scripts, --fuzz clang with libFuzzer and
#   its OpenMP for tools/fuzz.sh.
set -euo pipefail
packages=(build-essential cmake ninja-build ccache pkg-config libdnnl-dev nlohmann-json3-dev catch2
          libturbojpeg0-dev libjpeg-dev libbenchmark-dev openmpi-bin libopenmpi-dev)
for option in "$@"; do
  case "$option" in
    --bench) packages+=(python3-torch python3-torchvision python3-pil) ;;
    --fuzz) packages+=(clang libclang-rt-14-dev libomp-14-dev) ;;
    *) echo "install-deps.sh: unknown option $option (expected --bench or --fuzz)" >&2; exit 2 ;;
  esac
done
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}"
fi
