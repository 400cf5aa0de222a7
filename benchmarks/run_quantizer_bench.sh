#!/usr/bin/env bash
# Quantizer speed, side by side: our kernels (Google Benchmark, -O3 -march=native, one thread),
# MASE's integer chain in PyTorch (one thread) and memcpy, in ns/element and GB/s (8 bytes per
# element), with each one's speed as a fraction of memcpy's. Usage: benchmarks/run_quantizer_bench.sh
# [extra Google Benchmark flags]. BUILD_DIR overrides the build folder (default build-bench).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build-bench}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  echo "installing python3-torch (Debian)" >&2
  apt-get update -qq && apt-get install -y -qq python3-torch >&2
fi
/usr/bin/python3 -c 'import sys, torch; print(f"python {sys.version.split()[0]}, torch {torch.__version__}")' >&2

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DMIXPREC_BUILD_BENCHMARKS=ON \
  -DMIXPREC_BUILD_TESTS=OFF -DMIXPREC_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" --target mixprec_quantizers_bench -j2 >/dev/null

"$build/benchmarks/mixprec_quantizers_bench" --benchmark_format=console --benchmark_out_format=json \
  --benchmark_out="$out/ours.json" "$@" >&2
/usr/bin/python3 "$root/benchmarks/torch_integer.py" >"$out/torch.jsonl"

/usr/bin/python3 - "$out/ours.json" "$out/torch.jsonl" <<'PY'
import json, sys
ours = json.load(open(sys.argv[1]))
scale = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
rows = {}  # (name, n) -> ns per element (median CPU time)
for b in ours["benchmarks"]:
    if b.get("aggregate_name") != "median":
        continue
    parts = b["run_name"].split("/")
    name = parts[1] if parts[0] in ("bm_elementwise", "bm_block") else parts[0].removeprefix("bm_")
    n = int(next(p for p in parts[1:] if p.isdigit()))
    rows[(name, n)] = b["cpu_time"] * scale[b["time_unit"]] / n
for line in open(sys.argv[2]):
    r = json.loads(line)
    rows[(r["name"], r["n"])] = r["ns_per_elem"]
ctx = ours["context"]
print(f"\nhost: {ctx.get('host_name')}, {ctx.get('num_cpus')} cpus @ {ctx.get('mhz_per_cpu')} MHz; "
      f"flags: {ctx.get('mixprec_compile_flags')}")
print("median CPU time per element, one thread; GB/s counts 8 bytes/element; "
      "'of memcpy' = memcpy time / this time\n")
names = []
for name, _ in rows:
    if name not in names:
        names.append(name)
order = ["memcpy", "integer_8_4", "fixed_8_4", "torch_mase", "torch_inplace"]
names = [n for n in order if n in names] + [n for n in names if n not in order]
sizes = sorted({n for _, n in rows})
head = f"{'kernel':<26}" + "".join(f"| {'2^%d' % (s.bit_length() - 1):^28}" for s in sizes)
print(head)
print(f"{'':<26}" + "".join(f"| {'ns/elem':>8} {'GB/s':>7} {'of memcpy':>10} " for _ in sizes))
print("-" * len(head))
for name in names:
    line = f"{name:<26}"
    for s in sizes:
        t = rows.get((name, s))
        m = rows.get(("memcpy", s))
        if t is None:
            line += f"| {'-':>28}"
        else:
            line += f"| {t:8.4f} {8 / t:7.1f} {m / t:9.0%} " if m else f"| {t:8.4f} {8 / t:7.1f} {'':>10} "
    print(line)
for s in sizes:
    a, b = rows.get(("integer_8_4", s)), rows.get(("torch_mase", s))
    c = rows.get(("torch_inplace", s))
    if a and b and c:
        print(f"2^{s.bit_length() - 1}: integer_8_4 is {b / a:.0f}x faster than MASE's torch chain, "
              f"{c / a:.0f}x faster than torch in place")
PY
