#!/usr/bin/env bash
# Timing of `mixprec-toy search` with the tutorial's config on the golden ToyNet (evaluation of
# 512 validation samples per trial included). Not a test: it prints figures.
#   benchmarks/run_search_bench.sh [build dir]     (default: build; needs the mixprec-toy target)
# Reports: the tutorial's 20 trials (wall time of the whole process), 2000 trials with the time
# split into sampler ask / rebuild / evaluation / the rest (journal, log.json, report), the same
# with the journal synced after every trial, and 2 worker threads against 1.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
exe=$build/examples/toy/mixprec-toy
[ -x "$exe" ] || { echo "build mixprec-toy first: cmake --build $build --target mixprec-toy"; exit 1; }
config=$root/examples/toy/configs/search_toy_tpe.toml
net=$root/tests/data/golden/toynet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

wall() {  # seconds of wall time of one command
  local t0 t1
  t0=$(date +%s.%N)
  "$@" > "$work/last.out" 2> "$work/last.err"
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }'
}
best_of() {  # best of N runs
  local n=$1 best=1e9 t
  shift
  for _ in $(seq 1 "$n"); do
    rm -rf "$work/out"
    t=$(wall "$@")
    best=$(awk -v a="$t" -v b="$best" 'BEGIN { print (a < b) ? a : b }')
  done
  printf "%.3f" "$best"
}

echo "machine: $(nproc) cores, $(uname -m); mixprec-toy: $exe"
run=("$exe" search --config "$config" --load "$net" --out "$work/out" --quiet)
printf "tutorial config, 20 trials (whole process, best of 5): %s s\n" "$(best_of 5 "${run[@]}")"
printf "  same, journal fsynced after every trial:              %s s\n" "$(best_of 5 "${run[@]}" --fsync-every-trial)"
for sampler in tpe random nsgaii; do
  printf "2000 trials, %-6s (whole process):                   %s s\n" "$sampler" \
    "$(best_of 1 "${run[@]}" --n-trials 2000 --sampler "$sampler" --profile)"
  sed -n 's/^profile: /    /p' "$work/last.err"
done
printf "2000 trials, tpe, journal fsynced after every trial:    %s s\n" \
  "$(best_of 1 "${run[@]}" --n-trials 2000 --fsync-every-trial)"
t1=$(best_of 3 "${run[@]}" --n-trials 400 --sampler random --n-jobs 1)
t2=$(best_of 3 "${run[@]}" --n-trials 400 --sampler random --n-jobs 2)
printf "400 trials, random: n_jobs 1 %s s, n_jobs 2 %s s, speed-up %.2f\n" "$t1" "$t2" "$(awk -v a="$t1" -v b="$t2" 'BEGIN { print a / b }')"
t1=$(best_of 3 "${run[@]}" --n-trials 400 --sampler tpe --n-jobs 1)
t2=$(best_of 3 "${run[@]}" --n-trials 400 --sampler tpe --n-jobs 2)
printf "400 trials, tpe:    n_jobs 1 %s s, n_jobs 2 %s s, speed-up %.2f\n" "$t1" "$t2" "$(awk -v a="$t1" -v b="$t2" 'BEGIN { print a / b }')"
