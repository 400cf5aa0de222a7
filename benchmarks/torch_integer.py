#!/usr/bin/python3
"""Times MASE's integer quantizer chain in PyTorch on one thread, for the sizes of
quantizers_bench.cpp: x * 2^f, round (half to even), clamp to the integer range, / 2^f.

Two variants: "mase" is the chain as MASE writes it (each step allocates a tensor); "inplace"
is the best PyTorch can do with a preallocated output (out= and in-place ops).
Prints one JSON object per line: {"name", "n", "ns_per_elem", "gbps"} (median of repetitions,
8 bytes per element, as in the C++ benchmark). Time is process CPU time, as Google Benchmark's
default, so other jobs on a shared machine inflate neither side. Uses Debian's /usr/bin/python3
and python3-torch.
"""
import json
import statistics
import sys
import time

import torch

WIDTH, FRAC = 8, 4  # same format as bm_elementwise/integer_8_4
SIZES = [1 << 16, 1 << 20, 1 << 24]
REPEATS = 7
MIN_TIME = 0.1  # seconds per repetition, as the C++ benchmark's MinTime


def mase_chain(x, scale, lo, hi):
    return torch.clamp(torch.round(x * scale), lo, hi) / scale


def inplace_chain(x, out, scale, lo, hi):
    torch.mul(x, scale, out=out)
    out.round_()
    out.clamp_(lo, hi)
    out.div_(scale)
    return out


def time_per_call(fn):
    fn()  # warm-up (allocator, page faults)
    calls = 1
    while True:
        t0 = time.process_time()
        for _ in range(calls):
            fn()
        dt = time.process_time() - t0
        if dt >= MIN_TIME:
            break
        calls *= 2
    samples = []
    for _ in range(REPEATS):
        t0 = time.process_time()
        for _ in range(calls):
            fn()
        samples.append((time.process_time() - t0) / calls)
    return statistics.median(samples)


def main():
    torch.set_num_threads(1)
    print(f"# python {sys.version.split()[0]}, torch {torch.__version__}, threads {torch.get_num_threads()}",
          file=sys.stderr)
    scale = 2.0 ** FRAC
    lo, hi = -(2 ** (WIDTH - 1)), 2 ** (WIDTH - 1) - 1
    gen = torch.Generator().manual_seed(1234)
    for n in SIZES:
        x = torch.randn(n, generator=gen, dtype=torch.float32) * 2
        out = torch.empty_like(x)
        # Same bits from both variants (and the reference semantics): a cheap sanity check.
        assert torch.equal(mase_chain(x, scale, lo, hi), inplace_chain(x, out, scale, lo, hi))
        for name, fn in (("torch_mase", lambda: mase_chain(x, scale, lo, hi)),
                         ("torch_inplace", lambda: inplace_chain(x, out, scale, lo, hi))):
            t = time_per_call(fn)
            print(json.dumps({"name": name, "n": n, "ns_per_elem": t / n * 1e9, "gbps": 8 * n / t / 1e9}),
                  flush=True)


if __name__ == "__main__":
    main()
