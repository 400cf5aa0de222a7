#!/usr/bin/env bash
# Builds the libFuzzer targets (clang 14, ASan + UBSan), replays every saved reproducer in
# fuzz/regressions/<target>/, then fuzzes each target for a bounded time from seeds made of the
# repository's own configs, models and .npy files. Any crash, sanitizer report, escaped
# exception, leak, timeout (-timeout) or RSS over 2 GB fails the run and prints the reproducer.
# MIXPREC_FUZZ_SECONDS: fuzzing time per target (default 60). MIXPREC_FUZZ_SEED: libFuzzer's seed
# (default 1). MIXPREC_FUZZ_BUILD: build folder.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
build="${MIXPREC_FUZZ_BUILD:-build-test/fuzz}"
seconds="${MIXPREC_FUZZ_SECONDS:-60}"
targets=(search_config model_load npy)
cxx="$(command -v clang++-14 || command -v clang++ || true)"
[ -n "$cxx" ] || { echo "fuzz: clang++ not found (Debian packages clang-14 libclang-rt-14-dev)"; exit 1; }

start=$(date +%s)
cmake -S . -B "$build" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g" -DMIXPREC_WERROR=ON -DMIXPREC_BUILD_TESTS=OFF \
  -DMIXPREC_BUILD_EXAMPLES=OFF -DMIXPREC_INSTALL=OFF -DMIXPREC_BUILD_FUZZERS=ON >/dev/null
cmake --build "$build" -j "$(nproc)" --target "${targets[@]/#/mixprec_fuzz_}"
echo "fuzz build time: $(( $(date +%s) - start )) s"

# Seeds: the real inputs of each reader, rebuilt every run (the corpus folder keeps what
# earlier runs found).
work="$root/$build/work"
rm -rf "$work/seeds"
mkdir -p "$work/seeds/search_config" "$work/seeds/model_load" "$work/seeds/npy"
cp examples/toy/configs/*.toml "$work/seeds/search_config/"
cp examples/custom_model/search.toml "$work/seeds/search_config/custom_model.toml"
cp tests/data/golden/toynet/*.npy "$work/seeds/npy/"
for f in examples/custom_model/model/*.npy; do cp "$f" "$work/seeds/npy/custom_$(basename "$f")"; done
cp fuzz/seeds/model_load/*.json "$work/seeds/model_load/"
cp examples/custom_model/model/model.json "$work/seeds/model_load/custom_model.json"
{ # the same model with its real tensors as parts, in the order the nodes name them
  cat examples/custom_model/model/model.json
  for t in conv1.weight conv1.bias fc.weight fc.bias; do
    printf '\n@@npy\n'; cat "examples/custom_model/model/$t.npy"
  done
} > "$work/seeds/model_load/custom_model_with_tensors"

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
# A fixed seed makes a run repeatable: the same mutations in the same order, cut short only by time.
opts=(-seed="${MIXPREC_FUZZ_SEED:-1}" -rss_limit_mb=2048 -timeout=10 -max_len=65536 -print_final_stats=1)
failed=0
for t in "${targets[@]}"; do
  exe="$build/fuzz/mixprec_fuzz_$t"
  artifacts="$work/artifacts/$t"
  mkdir -p "$artifacts" "$work/corpus/$t"
  t0=$(date +%s)
  mapfile -t saved < <(find "fuzz/regressions/$t" -type f 2>/dev/null | sort)
  if ((${#saved[@]})); then
    echo "== fuzz $t: replaying ${#saved[@]} saved reproducers"
    for r in "${saved[@]}"; do
      if ! "$exe" "${opts[@]}" "$r" >"$artifacts/replay.log" 2>&1; then
        tail -n 40 "$artifacts/replay.log"
        echo "fuzz $t: FAILED on saved reproducer $r (replay: $exe $r)"
        failed=$((failed + 1))
      fi
    done
  fi
  echo "== fuzz $t: ${seconds} s"
  if "$exe" "${opts[@]}" -max_total_time="$seconds" -dict="fuzz/dicts/$t.dict" \
       -artifact_prefix="$artifacts/" "$work/corpus/$t" "$work/seeds/$t" >"$artifacts/fuzz.log" 2>&1; then
    grep -E "^stat::number_of_executed_units|^Done" "$artifacts/fuzz.log" || true
  else
    tail -n 60 "$artifacts/fuzz.log"
    found=$(grep -oE "Test unit written to .*" "$artifacts/fuzz.log" | sed 's/Test unit written to //' | tail -n 1)
    echo "fuzz $t: FAILED; reproducer: ${found:-see $artifacts/fuzz.log} (replay: $exe ${found:-<file>})"
    failed=$((failed + 1))
  fi
  echo "fuzz $t time: $(( $(date +%s) - t0 )) s"
done
echo "fuzz total time: $(( $(date +%s) - start )) s"
if ((failed)); then
  echo "fuzz: $failed failure(s)"
  exit 1
fi
echo "fuzz: ${#targets[@]} passed, 0 failed"
