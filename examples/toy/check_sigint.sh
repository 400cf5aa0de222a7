#!/usr/bin/env bash
# SIGINT during a search: the run cancels its running trial, writes log.json and best.json (one
# row per journaled trial, plus the cancelled one as WAITING) and exits with 128 + 2.
#   check_sigint.sh <mixprec-toy> <config> <checkpoint> <work dir>
set -u
exe=$1 config=$2 load=$3 out=$4/sigint
rm -rf "$out"
"$exe" search --config "$config" --load "$load" --out "$out" --n-trials 1000000 --sampler random --quiet \
  > "$out.stdout" 2> "$out.stderr" &
pid=$!
# Wait until a few trials are journaled, then interrupt.
for _ in $(seq 1 200); do
  [ -f "$out/journal.jsonl" ] && [ "$(wc -l < "$out/journal.jsonl")" -gt 5 ] && break
  sleep 0.05
done
kill -INT "$pid"
wait "$pid"
rc=$?
[ "$rc" -eq 130 ] || { echo "exit code $rc, expected 130"; cat "$out.stderr"; exit 1; }
grep -q "interrupted by signal 2" "$out.stderr" || { echo "no interruption message"; cat "$out.stderr"; exit 1; }
[ -f "$out/log.json" ] && [ -f "$out/best.json" ] || { echo "log.json/best.json not written"; exit 1; }
trials=$(( $(wc -l < "$out/journal.jsonl") - 1 ))
rows=$(grep -c '^        "number":' "$out/log.json")
# The trial running at the signal is cancelled: WAITING in log.json (at most one, n_jobs = 1),
# not journaled, run first by --resume.
waiting=$(grep -c '"state": *"WAITING"' "$out/log.json")
[ "$waiting" -le 1 ] || { echo "log.json has $waiting WAITING rows, expected at most 1"; exit 1; }
[ "$trials" -eq $((rows - waiting)) ] || { echo "journal has $trials trials, log.json $rows rows ($waiting WAITING)"; exit 1; }
echo "interrupted after $trials trials; log.json has $rows rows ($waiting cancelled); exit code $rc"
