#!/usr/bin/env python3
"""Writes Tests/PatrolIQCoreTests/Reference/hdbscan.json: scikit-learn's HDBSCAN labels on the 50 000-point
fixture that the Swift tests draw with the same generator (xoshiro256** through SplitMix64, uniform draws
only, so both languages get the same doubles bit for bit).

Run with bench/.venv/bin/python bench/make_hdbscan_reference.py; the output is committed, so the tests
need no Python. `python bench/make_hdbscan_reference.py --points FILE` only writes the points as CSV."""
import json, os, sys, time
import numpy as np

from benchlib import SeededRandom


def fixture(n=50_000, seed=2013):
    """16 hotspots of different spreads over a 20 km square, 30 % background: the Swift test's points."""
    rng = SeededRandom(seed)
    centres = [(rng.unit() * 20000, rng.unit() * 20000, 100 + rng.unit() * 500) for _ in range(16)]
    pts = []
    for _ in range(n):
        if rng.unit() < 0.3:
            x = rng.unit() * 20000
            y = rng.unit() * 20000
        else:
            cx, cy, s = centres[rng.below(16)]
            x = cx + (rng.unit() + rng.unit() + rng.unit() + rng.unit() - 2) * s
            y = cy + (rng.unit() + rng.unit() + rng.unit() + rng.unit() - 2) * s
        pts.append((x, y))
    return np.array(pts)


MIN_CLUSTER_SIZE, MIN_SAMPLES = 100, 10

if __name__ == "__main__":
    X = fixture()
    if len(sys.argv) == 3 and sys.argv[1] == "--points":
        np.savetxt(sys.argv[2], X, delimiter=",", fmt="%.17g")
        sys.exit(0)
    import sklearn
    from sklearn.cluster import HDBSCAN
    t = time.time()
    labels = HDBSCAN(min_cluster_size=MIN_CLUSTER_SIZE, min_samples=MIN_SAMPLES, copy=True).fit(X).labels_
    print(f"scikit-learn {sklearn.__version__}: {labels.max() + 1} clusters, {(labels < 0).sum()} noise, "
          f"{time.time() - t:.2f} s", file=sys.stderr)
    out = {"versions": {"sklearn": sklearn.__version__, "numpy": np.__version__},
           "n": len(X), "seed": 2013, "min_cluster_size": MIN_CLUSTER_SIZE, "min_samples": MIN_SAMPLES,
           "first_point": X[0].tolist(), "last_point": X[-1].tolist(),
           "labels": "".join(chr(48 + l + 1) if l < 74 else "?" for l in labels)}
    assert labels.max() + 2 < 75, "too many clusters for the one-character encoding"
    path = os.path.join(os.path.dirname(__file__), "..", "Tests", "PatrolIQCoreTests", "Reference", "hdbscan.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
    print("wrote", os.path.normpath(path), file=sys.stderr)
