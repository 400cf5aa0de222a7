#!/usr/bin/python3
"""Times one quantized ToyNet rebuild + evaluation on 512 ToyTiny validation samples in PyTorch
(one thread): quantize the weights and biases with MASE's integer quantizer, run the forward with
quantized inputs (relu inputs unsigned), then cross-entropy, argmax and the per-class counts.
Prints the median time per rebuild + evaluate in microseconds (the last line is machine-readable JSON).

Usage: /usr/bin/python3 benchmarks/evaluate_torch.py [golden_dir] [entry_index]
"""
import json
import os
import subprocess
import sys
import time

try:
    import numpy as np
    import torch
except ImportError:
    subprocess.check_call(["apt-get", "install", "-y", "python3-numpy", "python3-torch"])
    import numpy as np
    import torch
import torch.nn.functional as F

torch.set_num_threads(1)
HERE = os.path.dirname(os.path.abspath(__file__))
golden = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "tests", "data", "golden")
entry_index = int(sys.argv[2]) if len(sys.argv) > 2 else 0


def q_int(x, width, frac, signed=True):
    lo, hi = (-(2 ** (width - 1)), 2 ** (width - 1) - 1) if signed else (0, 2 ** width - 1)
    return torch.clamp(torch.round(x * 2.0 ** frac), lo, hi) / 2.0 ** frac


def main():
    print("python", sys.version.split()[0], "torch", torch.__version__, "numpy", np.__version__, "threads",
          torch.get_num_threads(), file=sys.stderr)
    params = {}
    for name in ("seq_blocks_0", "seq_blocks_2", "seq_blocks_4"):
        params[name] = (torch.from_numpy(np.load(os.path.join(golden, "toynet", name + ".weight.npy"))),
                        torch.from_numpy(np.load(os.path.join(golden, "toynet", name + ".bias.npy"))))
    rng = np.random.RandomState(1)
    data = (rng.rand(512, 4) - 0.5) * 2
    x = torch.tensor(data.astype(np.float32))
    y = torch.tensor((data.sum(axis=1) > 0).astype(np.int64))
    with open(os.path.join(golden, "quantized_eval.json")) as f:
        entry = json.load(f)["entries"][entry_index]
    cfg = entry["node_configs"]

    def rebuild_and_evaluate():
        qp = {}
        for name, (w, b) in params.items():
            c = cfg[name]
            qp[name] = (q_int(w, c["weight_width"], c["weight_frac_width"]), q_int(b, c["bias_width"], c["bias_frac_width"]))
        h = x
        for name in ("seq_blocks_0", "seq_blocks_1", "seq_blocks_2", "seq_blocks_3", "seq_blocks_4"):
            c = cfg[name]
            if name in qp:
                h = F.linear(q_int(h, c["data_in_width"], c["data_in_frac_width"]), *qp[name])
            else:
                h = F.relu(q_int(h, c["data_in_width"], c["data_in_frac_width"], signed=False))
        loss = F.cross_entropy(h, y)
        pred = h.argmax(dim=1)
        tp = torch.bincount(pred[pred == y], minlength=2)
        support = torch.bincount(y, minlength=2)
        acc = (tp.double() / support.double()).mean()
        return loss.item(), acc.item(), int(tp.sum())

    with torch.no_grad():
        loss, acc, correct = rebuild_and_evaluate()
        assert correct == entry["results"]["correct"], (correct, entry["results"]["correct"])
        times = []
        for _ in range(300):
            t0 = time.perf_counter()
            rebuild_and_evaluate()
            times.append(time.perf_counter() - t0)
    times.sort()
    median_us = times[len(times) // 2] * 1e6
    print("entry %s: loss %.6f accuracy %.6f correct %d; median rebuild+evaluate %.1f us" %
          (entry["id"], loss, acc, correct, median_us), file=sys.stderr)
    print(json.dumps({"entry": entry["id"], "median_us": median_us, "min_us": times[0] * 1e6,
                      "correct": correct, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
