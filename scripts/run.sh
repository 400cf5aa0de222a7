#!/usr/bin/env bash
# The main job: installs what is missing, builds the toy example, trains ToyNet on ToyTiny and
# runs MASE's tutorial search with its config unchanged, printing the Pareto table. Outputs go to
# mixprec_output/toy_toy_tiny/software/{training_ckpts,search_ckpts}/ under the current folder.
# Extra arguments are passed to `mixprec-toy search` (e.g. --n-trials 200 --sampler nsgaii).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bash "$root/scripts/deps.sh"
build="${MIXPREC_RUN_BUILD:-$root/build-run}"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DMIXPREC_BUILD_TESTS=OFF -DMIXPREC_NATIVE=ON >/dev/null
cmake --build "$build" --target mixprec-toy -j "$(nproc)"
toy="$build/examples/toy/mixprec-toy"
"$toy" train
"$toy" search --config "$root/examples/toy/configs/search_toy_tpe.toml" "$@"
