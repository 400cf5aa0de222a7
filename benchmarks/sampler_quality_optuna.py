#!/usr/bin/python3
"""Reference hypervolumes of Optuna 3.1's samplers on discretised ZDT1, ZDT2 and DTLZ2.

Each problem has 20 parameters, each an index into 8 evenly spaced values in [0, 1]
(suggest_int(name, 0, 7) -> index / 7), all objectives minimised. For every sampler and seed
one study of 200 trials is run; the hypervolume of the first 20, 50, 100 and 200 trials is
recorded for two reference points (only points strictly better than the reference count):
  "tight": 1.1 in every objective, close to the Pareto front, so only near-optimal trials count;
  "wide":  1.1 x each objective's maximum over the domain (ZDT: (1.1, 11); DTLZ2: 6.05 each),
           so that every trial counts and early progress is visible.
Optuna's TPE is slow in 3.1, so the results are computed once and stored in
benchmarks/data/optuna_quality.json, which benchmarks/sampler_quality_table.cpp reads.
The JSON is rewritten after every finished run, so a partial run still records what was done.

Usage: /usr/bin/python3 benchmarks/sampler_quality_optuna.py [--samplers random,qmc,nsgaii,tpe]
       [--seeds 5] [--time-limit-tpe SECONDS] [--out PATH]
"""
import argparse
import itertools
import json
import math
import os
import subprocess
import sys
import time


def ensure_packages():
    try:
        import numpy  # noqa: F401
        import optuna  # noqa: F401
    except ImportError:
        subprocess.check_call(["apt-get", "install", "-y", "python3-numpy", "python3-optuna"])


ensure_packages()
import numpy as np  # noqa: E402
import optuna  # noqa: E402
from optuna._hypervolume import WFG  # noqa: E402

N_PARAMS = 20
N_CHOICES = 8
BUDGETS = [20, 50, 100, 200]
# Reference points per problem: "tight" (1.1 everywhere) and "wide" (1.1 x objective maximum;
# ZDT's f2 <= g <= 10, DTLZ2's objectives <= 1 + g <= 1 + 18 * 0.25 = 5.5).
REFS = {
    "zdt1": {"tight": [1.1, 1.1], "wide": [1.1, 11.0]},
    "zdt2": {"tight": [1.1, 1.1], "wide": [1.1, 11.0]},
    "dtlz2": {"tight": [1.1, 1.1, 1.1], "wide": [6.05, 6.05, 6.05]},
}


def zdt_g(x):
    return 1.0 + 9.0 * sum(x[1:]) / (len(x) - 1)


def zdt1(x):
    g = zdt_g(x)
    return [x[0], g * (1.0 - math.sqrt(x[0] / g))]


def zdt2(x):
    g = zdt_g(x)
    return [x[0], g * (1.0 - (x[0] / g) ** 2)]


def dtlz2(x):
    # Three objectives; x[0], x[1] are position variables, the rest distance variables.
    g = sum((xi - 0.5) ** 2 for xi in x[2:])
    a = x[0] * math.pi / 2
    b = x[1] * math.pi / 2
    return [(1 + g) * math.cos(a) * math.cos(b), (1 + g) * math.cos(a) * math.sin(b),
            (1 + g) * math.sin(a)]


PROBLEMS = {"zdt1": (zdt1, 2), "zdt2": (zdt2, 2), "dtlz2": (dtlz2, 3)}


def nondominated(points):
    pts = np.unique(np.asarray(points, dtype=float), axis=0)
    keep = []
    for i, p in enumerate(pts):
        dominated = False
        for j, q in enumerate(pts):
            if j != i and np.all(q <= p) and np.any(q < p):
                dominated = True
                break
        if not dominated:
            keep.append(p)
    return np.asarray(keep)


def hypervolume(points, ref):
    pts = [p for p in points if all(v < r for v, r in zip(p, ref))]
    if not pts:
        return 0.0
    return float(WFG().compute(nondominated(pts), np.asarray(ref, dtype=float)))


def max_hypervolume(name, ref):
    """Hypervolume of the discretised problem's Pareto front."""
    grid = [k / (N_CHOICES - 1) for k in range(N_CHOICES)]
    f, m = PROBLEMS[name]
    if name.startswith("zdt"):
        # g is minimal (1) with every distance variable at 0.
        pts = [f([v] + [0.0] * (N_PARAMS - 1)) for v in grid]
    else:
        # g is minimal with every distance variable at 3/7 or 4/7 (both 1/14 from 0.5).
        pts = [f([a, b] + [3 / 7] * (N_PARAMS - 2)) for a in grid for b in grid]
    return hypervolume(pts, ref)


def make_sampler(kind, seed):
    if kind == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if kind == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if kind == "nsgaii":
        return optuna.samplers.NSGAIISampler(seed=seed)
    if kind == "qmc":
        return optuna.samplers.QMCSampler(seed=seed)
    raise ValueError(kind)


def run(problem, kind, seed):
    f, m = PROBLEMS[problem]
    study = optuna.create_study(directions=["minimize"] * m, sampler=make_sampler(kind, seed))

    def objective(trial):
        x = [trial.suggest_int(f"x{i}", 0, N_CHOICES - 1) / (N_CHOICES - 1)
             for i in range(N_PARAMS)]
        return tuple(f(x))

    t0 = time.time()
    study.optimize(objective, n_trials=BUDGETS[-1])
    elapsed = time.time() - t0
    values = [t.values for t in study.trials]
    return {r: {str(b): hypervolume(values[:b], ref) for b in BUDGETS}
            for r, ref in REFS[problem].items()}, elapsed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--samplers", default="random,qmc,nsgaii,tpe")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--time-limit-tpe", type=float, default=2400.0,
                    help="stop starting new TPE runs after this many seconds of TPE time")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                  "data", "optuna_quality.json"))
    args = ap.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    print(f"optuna {optuna.__version__}, numpy {np.__version__}, python {sys.version.split()[0]}",
          flush=True)

    out = {
        "optuna_version": optuna.__version__,
        "numpy_version": np.__version__,
        "n_params": N_PARAMS,
        "n_choices": N_CHOICES,
        "budgets": BUDGETS,
        "seeds_requested": list(range(args.seeds)),
        "problems": {},
    }
    for p in PROBLEMS:
        out["problems"][p] = {
            "n_objectives": PROBLEMS[p][1],
            "reference_points": REFS[p],
            "max_hypervolume": {r: max_hypervolume(p, ref) for r, ref in REFS[p].items()},
            "samplers": {}}

    def save():
        tmp = args.out + ".tmp"
        with open(tmp, "w") as fh:
            json.dump(out, fh, indent=1)
        os.replace(tmp, args.out)

    save()
    tpe_time = 0.0
    for kind in args.samplers.split(","):
        # Seed-major order, so that a time-limited run covers every problem with the same seeds.
        for seed, problem in itertools.product(range(args.seeds), PROBLEMS):
            if kind == "tpe" and tpe_time > args.time_limit_tpe:
                print(f"time limit: skipping {kind} {problem} seed {seed}", flush=True)
                continue
            hv, elapsed = run(problem, kind, seed)
            if kind == "tpe":
                tpe_time += elapsed
            entry = out["problems"][problem]["samplers"].setdefault(
                kind, {"seeds": [], "seconds": [],
                       "hypervolume": {r: {str(b): [] for b in BUDGETS} for r in REFS[problem]}})
            entry["seeds"].append(seed)
            for r in REFS[problem]:
                for b in BUDGETS:
                    entry["hypervolume"][r][str(b)].append(hv[r][str(b)])
            entry["seconds"].append(round(elapsed, 2))
            print(f"{kind:7s} {problem:6s} seed {seed}: {hv} in {elapsed:.1f} s", flush=True)
            save()
    print("done", flush=True)


if __name__ == "__main__":
    main()
