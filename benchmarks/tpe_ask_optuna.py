#!/usr/bin/python3
"""Optuna 3.1's side of benchmarks/tpe_ask_table.cpp: time one ask (study.ask() plus 35 suggest_int)
with TPESampler and RandomSampler after the histories the C++ table wrote (added with
study.add_trials), then tell FAIL so the completed history stays fixed.
Usage: /usr/bin/python3 tpe_ask_optuna.py HISTORY_DIR OUT.json"""
import json
import statistics
import subprocess
import sys
import time
import warnings

try:
    import numpy  # noqa: F401
    import optuna
except ImportError:
    subprocess.run(["apt-get", "install", "-y", "python3-numpy", "python3-scipy", "python3-optuna"], check=True)
    import optuna
from optuna.distributions import IntDistribution
from optuna.trial import TrialState, create_trial

warnings.filterwarnings("ignore")
optuna.logging.set_verbosity(optuna.logging.ERROR)


def load(path):
    with open(path) as f:
        h = json.load(f)
    lens = h["lens"] * 5
    names = [f"seq_blocks_{i // 7}/config/k{i % 7}" for i in range(35)]
    return h, names, lens


def time_asks(sampler_name, path, reps):
    h, names, lens = load(path)
    dists = {nm: IntDistribution(0, k - 1) for nm, k in zip(names, lens)}
    sampler = optuna.samplers.TPESampler(seed=0) if sampler_name == "tpe" else optuna.samplers.RandomSampler(seed=0)
    study = optuna.create_study(directions=h["directions"], sampler=sampler)
    study.add_trials([create_trial(params=dict(zip(names, t["params"])), distributions=dists, values=t["values"])
                      for t in h["trials"]])
    times = []
    for r in range(reps + 1):  # the first is a warm-up
        t0 = time.perf_counter()
        tr = study.ask()
        for nm, k in zip(names, lens):
            tr.suggest_int(nm, 0, k - 1)
        t1 = time.perf_counter()
        study.tell(tr, state=TrialState.FAIL)
        if r > 0:
            times.append((t1 - t0) * 1e3)
    return statistics.median(times)


def main():
    hdir, out = sys.argv[1], sys.argv[2]
    import numpy
    import scipy
    version = f"optuna {optuna.__version__}, numpy {numpy.__version__}, scipy {scipy.__version__}"
    print(version, file=sys.stderr)
    results = []
    for sampler_name in ["tpe", "random"]:
        for n_obj in [1, 2]:
            for n in [100, 300, 1000]:
                reps = 20 if sampler_name == "random" else (5 if n < 1000 else 3)
                ms = time_asks(sampler_name, f"{hdir}/history_{n_obj}obj_{n}.json", reps)
                print(f"{sampler_name} n_obj={n_obj} N={n}: median {ms:.1f} ms ({reps} asks)", file=sys.stderr, flush=True)
                results.append({"sampler": sampler_name, "n_obj": n_obj, "n": n, "median_ms": ms, "reps": reps})
    with open(out, "w") as f:
        json.dump({"version": version, "results": results}, f, indent=1)


if __name__ == "__main__":
    main()
