#!/bin/sh
# Builds the TPE ask table, replays the same histories in Optuna 3.1 (Debian's python3) and prints
# the side-by-side table. Usage: benchmarks/run_tpe_ask_bench.sh [build-dir]
set -e
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${1:-$root/build-bench}
if ! /usr/bin/python3 -c "import optuna, scipy" 2>/dev/null; then
  apt-get install -y python3-numpy python3-scipy python3-optuna
fi
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DMIXPREC_BUILD_BENCHMARKS=ON >/dev/null
cmake --build "$build" --target mixprec_tpe_ask_table -j2
work=$(mktemp -d)
"$build/benchmarks/mixprec_tpe_ask_table" --write-histories "$work"
/usr/bin/python3 "$here/tpe_ask_optuna.py" "$work" "$work/optuna.json"
"$build/benchmarks/mixprec_tpe_ask_table" --optuna "$work/optuna.json"
rm -rf "$work"
