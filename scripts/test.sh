#!/usr/bin/env bash
# Installs what is missing, builds everything with warnings as errors, runs the whole test suite,
# runs it again under AddressSanitizer + UndefinedBehaviorSanitizer, runs the multi-threaded
# search tests under ThreadSanitizer, fuzzes the input readers for a bounded time, and proves the
# three ways a consumer takes mixprec in (add_subdirectory, find_package after install, plain -I include).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash scripts/deps.sh
jobs="$(nproc)"
build="${MIXPREC_TEST_BUILD:-build-test}"

echo "== release build, -Werror"
start=$(date +%s)
cmake -S . -B "$build/release" -DCMAKE_BUILD_TYPE=Release -DMIXPREC_WERROR=ON -DMIXPREC_BUILD_BENCHMARKS=ON >/dev/null
cmake --build "$build/release" -j "$jobs"
echo "build time: $(( $(date +%s) - start )) s"
(cd "$build/release" && ctest --output-on-failure -j "$jobs")

echo "== ASan + UBSan build"
cmake -S . -B "$build/sanitize" -DCMAKE_BUILD_TYPE=Debug -DMIXPREC_WERROR=ON -DMIXPREC_SANITIZE=ON \
  -DMIXPREC_BUILD_EXAMPLES=ON >/dev/null
cmake --build "$build/sanitize" -j "$jobs"
(cd "$build/sanitize" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --output-on-failure -j "$jobs")

echo "== consumers"
consumer="tests/package/consumer"
cmake -S "$consumer" -B "$build/consumer-subdir" -DMIXPREC_CONSUME=subdirectory \
  -DMIXPREC_SOURCE_DIR="$root" >/dev/null
cmake --build "$build/consumer-subdir" -j "$jobs"
"$build/consumer-subdir/consumer"

cmake -S . -B "$build/install-tree" -DMIXPREC_BUILD_TESTS=OFF -DMIXPREC_BUILD_EXAMPLES=OFF >/dev/null
cmake --install "$build/install-tree" --prefix "$root/$build/stage" >/dev/null
cmake -S "$consumer" -B "$build/consumer-package" -DMIXPREC_CONSUME=package \
  -DCMAKE_PREFIX_PATH="$root/$build/stage" >/dev/null
cmake --build "$build/consumer-package" -j "$jobs"
"$build/consumer-package/consumer"

mkdir -p "$build/consumer-copy/include"
cp -r include/mixprec "$build/consumer-copy/include/"
g++ -std=c++20 -Wall -Wextra -Werror -I "$build/consumer-copy/include" -I /usr/include/eigen3 \
  "$consumer/main.cpp" -o "$build/consumer-copy/consumer" -lfmt
"$build/consumer-copy/consumer"
echo "consumers: 3 passed, 0 failed"

echo "== ThreadSanitizer: search, samplers, 2-thread CLI search"
start=$(date +%s)
MIXPREC_TSAN_BUILD="$build/tsan" bash scripts/tsan.sh
echo "ThreadSanitizer step: $(( $(date +%s) - start )) s"

echo "== fuzzing: search config, model.json, .npy (${MIXPREC_FUZZ_SECONDS:-60} s each)"
start=$(date +%s)
MIXPREC_FUZZ_BUILD="$build/fuzz" bash scripts/fuzz.sh
echo "fuzzing step: $(( $(date +%s) - start )) s"
