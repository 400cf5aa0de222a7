#!/usr/bin/env bash
# SIGTERM while a long trial runs: the trial is cancelled (not finished, not journaled), the
# outputs are written and the process exits with 128 + 15. Then --timeout bounds such a trial. The model is a stack of convs whose
# one trial takes seconds, written here as zero-filled .npy files.
#   check_sigterm_running_trial.sh <mixprec-toy> <work dir>
set -u
exe=$1 work=$2/sigterm_running
rm -rf "$work"
mkdir -p "$work/model" "$work/data"

# npy <file> <descr> <shape tuple> <bytes>: a NumPy v1.0 file of zeros.
npy() {
  local header="{'descr': '$2', 'fortran_order': False, 'shape': $3, }"
  local pad=$(( 64 - (10 + ${#header} + 1) % 64 ))
  [ "$pad" -eq 64 ] && pad=0
  header="$header$(printf '%*s' "$pad" '')"
  local len=$(( ${#header} + 1 ))
  { printf '\x93NUMPY\x01\x00'; printf "\\x$(printf %02x $((len % 256)))\\x$(printf %02x $((len / 256)))";
    printf '%s\n' "$header"; head -c "$4" /dev/zero; } > "$1"
}

convs=6 ch=32 side=64 samples=256
nodes='{"name": "conv0", "op": "conv2d", "attributes": {"in_channels": 1, "out_channels": '$ch', "kernel_size": 3, "padding": 1, "bias": false}}'
npy "$work/model/conv0.weight.npy" '<f4' "($ch, 1, 3, 3)" $(( ch * 9 * 4 ))
for i in $(seq 1 $convs); do
  nodes="$nodes, {\"name\": \"conv$i\", \"op\": \"conv2d\", \"attributes\": {\"in_channels\": $ch, \"out_channels\": $ch, \"kernel_size\": 3, \"padding\": 1, \"bias\": false}}"
  npy "$work/model/conv$i.weight.npy" '<f4' "($ch, $ch, 3, 3)" $(( ch * ch * 9 * 4 ))
done
nodes="$nodes, {\"name\": \"pool\", \"op\": \"max_pool2d\", \"attributes\": {\"kernel_size\": 8}}, {\"name\": \"flatten\", \"op\": \"flatten\"}"
nodes="$nodes, {\"name\": \"fc\", \"op\": \"linear\", \"attributes\": {\"in_features\": $(( ch * 64 )), \"out_features\": 2, \"bias\": false}}"
npy "$work/model/fc.weight.npy" '<f4' "(2, $(( ch * 64 )))" $(( 2 * ch * 64 * 4 ))
printf '{"input": {"name": "x", "shape": [1, %d, %d]}, "nodes": [%s]}\n' $side $side "$nodes" > "$work/model/model.json"
npy "$work/data/x_validation.npy" '<f4' "($samples, 1, $side, $side)" $(( samples * side * side * 4 ))
npy "$work/data/y_validation.npy" '<i8' "($samples,)" $(( samples * 8 ))

cat > "$work/search.toml" <<TOML
project = "slow_convs"
batch_size = $samples
[search.search_space]
name = "graph/quantize/mixed_precision_ptq"
[search.search_space.setup]
by = "name"
[search.search_space.seed.default.config]
name = ["integer"]
data_in_width = [8]
data_in_frac_width = [4]
weight_width = [4, 8]
weight_frac_width = [2]
bias_width = [8]
bias_frac_width = [4]
[search.strategy]
name = "optuna"
eval_mode = true
[search.strategy.sw_runner.basic_evaluation]
data_loader = "val_dataloader"
num_samples = $samples
[search.strategy.hw_runner.average_bitwidth]
compare_to = 32
[search.strategy.setup]
n_jobs = 1
n_trials = 3
sampler = "random"
[search.strategy.metrics]
accuracy.scale = 1.0
accuracy.direction = "maximize"
average_bitwidth.scale = 1.0
average_bitwidth.direction = "minimize"
TOML

out=$work/out
"$exe" search --config "$work/search.toml" --model "$work/model" --data "$work/data" --out "$out" --quiet \
  > "$work/stdout" 2> "$work/stderr" &
pid=$!
# The journal's header is written just before the first trial starts.
for _ in $(seq 1 600); do
  [ -s "$out/journal.jsonl" ] && break
  sleep 0.05
done
[ -s "$out/journal.jsonl" ] || { echo "the search never started"; cat "$work/stderr"; kill -9 "$pid"; exit 1; }
sleep 0.3
kill -TERM "$pid"
wait "$pid"
rc=$?
[ "$rc" -eq 143 ] || { echo "exit code $rc, expected 143"; cat "$work/stderr"; exit 1; }
grep -q "interrupted by signal 15; 0 finished trials" "$work/stderr" || { echo "no interruption message with 0 finished trials"; cat "$work/stderr"; exit 1; }
grep -q "^0 trials (0 resumed, 0 run, 1 waiting to run on --resume)" "$work/stdout" || { echo "the summary does not count the cancelled trial as waiting"; cat "$work/stdout"; exit 1; }
[ -f "$out/log.json" ] && [ -f "$out/best.json" ] || { echo "log.json/best.json not written"; exit 1; }
# A trial takes seconds, so without cancellation trial 0 would finish and be journaled.
trials=$(( $(wc -l < "$out/journal.jsonl") - 1 ))
[ "$trials" -eq 0 ] || { echo "the journal holds $trials finished trials, expected 0 (the running trial was not cancelled)"; exit 1; }
grep -Eq "\"state\": *\"WAITING\"" "$out/log.json" || { echo "log.json does not show the cancelled trial as WAITING"; exit 1; }

# --timeout ends the same trial too, as a normal end (exit code 0).
"$exe" search --config "$work/search.toml" --model "$work/model" --data "$work/data" --out "$work/timeout" --quiet \
  --timeout 0.3 > "$work/timeout.stdout" 2> "$work/timeout.stderr"
rc=$?
[ "$rc" -eq 0 ] || { echo "--timeout: exit code $rc, expected 0"; cat "$work/timeout.stderr"; exit 1; }
trials=$(( $(wc -l < "$work/timeout/journal.jsonl") - 1 ))
[ "$trials" -eq 0 ] || { echo "--timeout: the journal holds $trials finished trials, expected 0"; exit 1; }
echo "SIGTERM and --timeout cancelled the running trial: nothing journaled, outputs written"
