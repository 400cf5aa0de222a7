#!/usr/bin/env bash
# Installs the Debian packages mixprec builds with, when any is missing.
set -euo pipefail
packages=(cmake g++ make pkg-config libeigen3-dev xtensor-dev libfmt-dev doctest-dev libbenchmark-dev
          libtomlplusplus-dev nlohmann-json3-dev libcli11-dev
          clang-14 libclang-rt-14-dev util-linux  # fuzzing (libFuzzer runtime); setarch for TSan
          libonnx-dev libprotobuf-dev libonnx-testdata python3-onnx)  # ONNX import and its conformance run
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y "${missing[@]}"
fi
