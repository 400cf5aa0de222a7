#!/usr/bin/python3
"""Times 5-epoch ToyNet training on ToyTiny in PyTorch with MASE's `ch train` recipe, one thread.

Two loops, both with the same model, optimiser, schedule and per-epoch full validation:
  * "dataloader": MASE's data path, an item-wise Dataset behind DataLoader(shuffle=True);
  * "tensor": the same recipe with batches sliced from one tensor by a randperm (PyTorch at its
    leanest, no DataLoader).
Prints one JSON object on the last line of stdout (seconds per run, best epoch, accuracy).
Run with Debian's interpreter: /usr/bin/python3 benchmarks/train_torch.py [--repeats N]
"""
import argparse
import json
import math
import subprocess
import sys
import time


def ensure_packages():
    try:
        import numpy  # noqa: F401
        import torch  # noqa: F401
    except ImportError:
        print("installing python3-torch python3-numpy with apt-get", file=sys.stderr)
        subprocess.run(["apt-get", "install", "-y", "python3-torch", "python3-numpy"], check=True)


ensure_packages()
import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402
from torch.utils.data import DataLoader, Dataset  # noqa: E402


def toy_tiny(seed, n=10240):
    rng = np.random.RandomState(seed)
    data = (rng.rand(n, 4) - 0.5) * 2
    labels = (data.sum(axis=1) > 0).astype(np.int64)
    return data, labels


class ToyTiny(Dataset):
    """Item-wise, as MASE's dataset: float64 rows turned into float32 tensors one by one."""

    def __init__(self, seed):
        self.x, self.y = toy_tiny(seed)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return torch.tensor(self.x[i], dtype=torch.float32), torch.tensor(self.y[i])


class ToyNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.seq_blocks = nn.Sequential(nn.Linear(4, 100), nn.ReLU(), nn.Linear(100, 100), nn.ReLU(),
                                        nn.Linear(100, 2))

    def forward(self, x):
        return self.seq_blocks(x)


def validate(model, xv, yv):
    with torch.no_grad():
        logits = model(xv)
        loss = nn.functional.cross_entropy(logits.double(), yv).item()
        pred = logits.argmax(dim=1)
        recalls = [((pred == c) & (yv == c)).sum().item() / max((yv == c).sum().item(), 1) for c in (0, 1)]
    return loss, sum(recalls) / 2


def train(mode, epochs=5, seed=42):
    torch.manual_seed(seed)
    model = ToyNet()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2, betas=(0.9, 0.999), eps=1e-8, weight_decay=0)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs, eta_min=1e-6)
    xv_np, yv_np = toy_tiny(1)
    xv = torch.tensor(xv_np, dtype=torch.float32)
    yv = torch.tensor(yv_np)
    if mode == "dataloader":
        loader = DataLoader(ToyTiny(0), batch_size=512, shuffle=True)
    else:
        xt_np, yt_np = toy_tiny(0)
        xt = torch.tensor(xt_np, dtype=torch.float32)
        yt = torch.tensor(yt_np)

        def loader_gen():
            perm = torch.randperm(len(yt))
            for s in range(0, len(yt), 512):
                idx = perm[s:s + 512]
                yield xt[idx], yt[idx]
    best = (math.inf, 0, 0.0)
    start = time.perf_counter()
    for epoch in range(epochs):
        model.train()
        for x, y in (loader if mode == "dataloader" else loader_gen()):
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
        sched.step()
        model.eval()
        vloss, vacc = validate(model, xv, yv)
        if vloss <= best[0]:
            best = (vloss, epoch + 1, vacc)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "best_epoch": best[1], "val_loss": best[0], "val_accuracy": best[2]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=5)
    args = ap.parse_args()
    torch.set_num_threads(1)
    print(f"python {sys.version.split()[0]}, torch {torch.__version__}, numpy {np.__version__}, "
          f"threads {torch.get_num_threads()}", file=sys.stderr)
    out = {"torch": torch.__version__, "numpy": np.__version__, "threads": torch.get_num_threads(),
           "epochs": args.epochs}
    for mode in ("dataloader", "tensor"):
        runs = [train(mode, args.epochs) for _ in range(args.repeats)]
        secs = sorted(r["seconds"] for r in runs)
        out[mode] = {"seconds_min": secs[0], "seconds_median": secs[len(secs) // 2],
                     "best_epoch": runs[0]["best_epoch"], "val_loss": runs[0]["val_loss"],
                     "val_accuracy": runs[0]["val_accuracy"]}
        print(f"{mode}: {out[mode]}", file=sys.stderr)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
