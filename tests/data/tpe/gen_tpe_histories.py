#!/usr/bin/python3
"""Golden data for the C++ TPE port, produced by Optuna 3.1's own TPE internals.

For a few fixed histories (one and several objectives, failed, pruned and running trials,
parameters with different numbers of choices) it records what Optuna's TPESampler builds for the
next trial: the good/bad split (trial numbers), the MOTPE weights, log l and log g of every choice
of every parameter, and the candidates the good-set estimator draws from RandomState(seed) with
the index _compare picks. Multivariate cases record joint candidates and their log densities.
It also records numpy's default argsort of tie-heavy arrays and Optuna's default_gamma/weights.

Run with Debian's interpreter: /usr/bin/python3 gen_tpe_histories.py  (writes tpe_cases.json)
"""
import json
import os
import subprocess
import sys


def ensure_packages():
    try:
        import numpy, scipy, optuna  # noqa: F401
    except ImportError:
        subprocess.run(["apt-get", "install", "-y", "python3-numpy", "python3-scipy", "python3-optuna"],
                       check=True)


ensure_packages()
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import optuna  # noqa: E402
import scipy  # noqa: E402
from optuna.distributions import IntDistribution  # noqa: E402
from optuna.samplers._tpe import sampler as tpe_mod  # noqa: E402
from optuna.samplers._tpe.parzen_estimator import _ParzenEstimator  # noqa: E402
from optuna.trial import TrialState, create_trial  # noqa: E402

warnings.filterwarnings("ignore")
optuna.logging.set_verbosity(optuna.logging.ERROR)
print("optuna", optuna.__version__, "numpy", np.__version__, "scipy", scipy.__version__, file=sys.stderr)

STATES = {"COMPLETE": TrialState.COMPLETE, "FAIL": TrialState.FAIL, "PRUNED": TrialState.PRUNED,
          "RUNNING": TrialState.RUNNING}


def make_history(seed, ks, n, n_obj, fail_every=0, prune_every=0, prune_novalue_every=0, n_running=0):
    """Random indexes; values from a fixed function, rounded to create ties."""
    rng = np.random.RandomState(seed)
    trials = []
    for i in range(n + n_running):
        params = [int(rng.randint(0, k)) for k in ks]
        x = np.array([p / (k - 1) if k > 1 else 0.0 for p, k in zip(params, ks)])
        a = float(np.round(1 - np.mean((x - 0.7) ** 2), 2))
        b = float(np.round(np.mean(x), 2))
        c = float(np.round(np.mean(np.abs(x - 0.3)), 2))
        values = [a, b, c][:n_obj] if n_obj > 1 else [float(np.round(a - 0.3 * b, 2))]
        state = "COMPLETE"
        if i >= n:
            state, values = "RUNNING", []
        elif fail_every and i % fail_every == fail_every - 1:
            state, values = "FAIL", []
        elif prune_every and i % prune_every == prune_every - 2:
            state, values = "PRUNED", values[:1]
        elif prune_novalue_every and i % prune_novalue_every == prune_novalue_every - 3:
            state, values = "PRUNED", []
        trials.append({"number": i, "state": state, "params": params, "values": values})
    return trials


def build_study(trials, ks, directions):
    names = [f"p{d}" for d in range(len(ks))]
    dists = {nm: IntDistribution(0, k - 1) for nm, k in zip(names, ks)}
    study = optuna.create_study(directions=directions)
    for t in trials:
        params = dict(zip(names, t["params"]))
        kw = dict(params=params, distributions=dists, state=STATES[t["state"]])
        if t["state"] == "COMPLETE":
            kw["values"] = t["values"]
        if t["state"] == "PRUNED" and t["values"]:
            kw["intermediate_values"] = {0: t["values"][0]}
        study.add_trial(create_trial(**kw))
    return study, names, dists


def counted_numbers(study, constant_liar):
    """Trial numbers in the order _get_observation_pairs lists them."""
    states = (TrialState.COMPLETE, TrialState.PRUNED) + ((TrialState.RUNNING,) if constant_liar else ())
    out = []
    for t in study.get_trials(deepcopy=False, states=states):
        if t.state == TrialState.COMPLETE and t.values is None:
            continue
        if t.state != TrialState.COMPLETE and study._is_multi_objective():
            continue
        out.append(t.number)
    return out


def parzen_params(multivariate):
    return tpe_mod._ParzenEstimatorParameters(True, 1.0, True, False, tpe_mod.default_weights, multivariate)


def case(name, seed, ks, n, directions, constant_liar=False, multivariate=False, **kw):
    trials = make_history(seed, ks, n, len(directions), **kw)
    study, names, dists = build_study(trials, ks, directions)
    multi = len(directions) > 1
    numbers = counted_numbers(study, constant_liar)
    out = {"name": name, "directions": directions, "n_choices": ks, "constant_liar": constant_liar,
           "multivariate": multivariate, "trials": trials}
    values, scores, _ = tpe_mod._get_observation_pairs(study, names, constant_liar, False)
    count = sum(s < float("inf") for s, v in scores)
    below, above = tpe_mod._split_observation_pairs(scores, tpe_mod.default_gamma(count), None)
    out["n"] = int(count)
    out["below"] = [numbers[i] for i in below]
    out["above"] = [numbers[i] for i in above]
    wb = tpe_mod._calculate_weights_below_for_multi_objective(scores, below, None) if multi else None
    out["below_weights"] = (list(map(float, wb)) if multi
                            else list(map(float, tpe_mod.default_weights(len(below)))))
    sample_seed = 1000 + seed
    if not multivariate:
        out["params"] = []
        for d, (nm, k) in enumerate(zip(names, ks)):
            if k == 1:
                out["params"].append(None)
                continue
            cv = np.asarray(values[nm], dtype=float)
            mb = {nm: cv[below]}
            ma = {nm: cv[above]}
            space = {nm: dists[nm]}
            lb = _ParzenEstimator(mb, space, parzen_params(False), wb if multi else None)
            la = _ParzenEstimator(ma, space, parzen_params(False))
            grid = {nm: np.arange(k)}
            samples = lb.sample(np.random.RandomState(sample_seed + d), 24)
            chosen = tpe_mod.TPESampler._compare(samples, lb.log_pdf(samples), la.log_pdf(samples))[nm]
            out["params"].append({"log_l": list(map(float, lb.log_pdf(grid))),
                                  "log_g": list(map(float, la.log_pdf(grid))),
                                  "sample_seed": sample_seed + d,
                                  "candidates": [int(v) for v in samples[nm]],
                                  "chosen": int(chosen)})
    else:
        joint = [nm for nm, k in zip(names, ks) if k > 1]
        space = {nm: dists[nm] for nm in joint}
        mb = {nm: np.asarray(values[nm], dtype=float)[below] for nm in joint}
        ma = {nm: np.asarray(values[nm], dtype=float)[above] for nm in joint}
        lb = _ParzenEstimator(mb, space, parzen_params(True), wb if multi else None)
        la = _ParzenEstimator(ma, space, parzen_params(True))
        samples = lb.sample(np.random.RandomState(sample_seed), 24)
        ll, lg = lb.log_pdf(samples), la.log_pdf(samples)
        chosen = tpe_mod.TPESampler._compare(samples, ll, lg)
        out["joint"] = {"dims": [d for d, k in enumerate(ks) if k > 1], "sample_seed": sample_seed,
                        "candidates": [[int(samples[nm][c]) for nm in joint] for c in range(24)],
                        "log_l": list(map(float, ll)), "log_g": list(map(float, lg)),
                        "chosen": [int(chosen[nm]) for nm in joint]}
    return out


def main():
    cases = [
        case("so_basic", 1, [2, 7, 3, 7, 1, 5], 40, ["minimize"]),
        case("so_fail_pruned", 2, [3, 7, 2, 4], 60, ["maximize"], fail_every=7, prune_every=9,
             prune_novalue_every=11),
        case("so_constant_liar", 3, [2, 7, 3], 30, ["minimize"], constant_liar=True, n_running=3),
        case("so_large", 4, [2, 7, 3, 7, 3, 7, 2], 300, ["maximize"]),
        case("mo_basic", 5, [2, 7, 3, 7], 50, ["maximize", "minimize"], fail_every=6),
        case("mo_large", 6, [1, 2, 7, 3, 7, 3, 7], 200, ["maximize", "minimize"]),
        case("mo_three", 7, [3, 7, 4], 60, ["maximize", "minimize", "minimize"]),
        case("mv_so", 8, [2, 7, 1, 3, 5], 60, ["minimize"], multivariate=True, fail_every=8),
        case("mv_mo", 9, [2, 7, 3], 50, ["maximize", "minimize"], multivariate=True),
    ]
    rng = np.random.RandomState(42)
    argsorts = []
    for _ in range(40):
        n = int(rng.randint(1, 700))
        v = rng.randint(0, int(rng.randint(1, 14)), size=n).astype(float)
        argsorts.append({"values": list(map(float, v)), "argsort": [int(i) for i in np.argsort(v)]})
    out = {"producer": f"optuna {optuna.__version__}, numpy {np.__version__}, scipy {scipy.__version__}",
           "cases": cases, "argsort": argsorts,
           "default_gamma": {str(n): int(tpe_mod.default_gamma(n)) for n in [0, 1, 9, 10, 11, 29, 30, 31, 100, 249, 250, 251, 1000]},
           "default_weights": {str(n): list(map(float, tpe_mod.default_weights(n))) for n in [0, 3, 24, 25, 26, 27, 40, 100]}}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tpe_cases.json")
    with open(path, "w") as f:
        json.dump(out, f)
    print("wrote", path, file=sys.stderr)


if __name__ == "__main__":
    main()
