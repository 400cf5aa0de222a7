#!/usr/bin/env bash
# ThreadSanitizer job: builds the search and sampler tests and mixprec-toy with GCC's
# -fsanitize=thread (-O1 -g), runs both test executables and a 2-thread CLI search. Any TSan
# report fails the run (halt_on_error, exit code 66). MIXPREC_TSAN_BUILD: build folder.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
build="${MIXPREC_TSAN_BUILD:-build-test/tsan}"
start=$(date +%s)
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g" \
  -DMIXPREC_WERROR=ON -DMIXPREC_TSAN=ON >/dev/null
cmake --build "$build" -j "$(nproc)" --target mixprec_test_search mixprec_test_samplers mixprec-toy
echo "tsan build time: $(( $(date +%s) - start )) s"

export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:exitcode=66:second_deadlock_stack=1}"
# With many bits of mmap randomisation (newer kernels) TSan's fixed memory layout breaks
# ("unexpected memory mapping"); running without address randomisation avoids it.
run=()
if command -v setarch >/dev/null && setarch "$(uname -m)" -R true 2>/dev/null; then
  run=(setarch "$(uname -m)" -R)
fi
failed=0
step() {
  local name="$1"; shift
  local t0; t0=$(date +%s)
  if "${run[@]}" "$@"; then echo "tsan $name: passed ($(( $(date +%s) - t0 )) s)"
  else echo "tsan $name: FAILED ($(( $(date +%s) - t0 )) s)"; failed=$((failed + 1)); fi
}
step search "$build/tests/mixprec_test_search"
step samplers "$build/tests/mixprec_test_samplers"
out="$build/cli_search"
rm -rf "$out"
step cli_search "$build/examples/toy/mixprec-toy" search --config examples/toy/configs/search_toy_tpe.toml \
  --load tests/data/golden/toynet --out "$out" --n-trials 40 --n-jobs 2 --quiet
echo "tsan total time: $(( $(date +%s) - start )) s"
((failed == 0)) || { echo "tsan: $failed of 3 failed"; exit 1; }
echo "tsan: 3 passed, 0 failed"
