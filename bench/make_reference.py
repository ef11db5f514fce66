#!/usr/bin/env python3
"""Writes Tests/PatrolIQCoreTests/Reference/clustering.json: answers of SciPy and scikit-learn on a small
fixed point set, which the Swift tests must reproduce (Ward heights, DBSCAN labels and core points,
silhouette, Davies-Bouldin, Calinski-Harabasz).

Run once with bench/.venv/bin/python bench/make_reference.py (needs numpy, scipy, scikit-learn); the output
is committed so the tests need no Python."""
import json, os, sys
import numpy as np
import scipy, sklearn
from scipy.cluster.hierarchy import linkage
from sklearn.cluster import DBSCAN, KMeans
from sklearn.metrics import silhouette_score, davies_bouldin_score, calinski_harabasz_score

rng = np.random.default_rng(7)
blobs = [rng.normal(c, s, size=(40, 2)) for c, s in (((0, 0), 0.6), ((6, 1), 0.9), ((2, 7), 0.5))]
noise = rng.uniform(-3, 10, size=(20, 2))
X = np.round(np.vstack(blobs + [noise]), 3)

km = KMeans(n_clusters=4, n_init=10, random_state=0).fit(X)
db = DBSCAN(eps=0.8, min_samples=5).fit(X)
mask = db.labels_ >= 0
Z = linkage(X, method="ward")

# Weighted Ward check: the same points with multiplicities, as SciPy sees them (duplicated rows).
W = rng.integers(1, 4, size=30)
P = np.round(rng.uniform(0, 5, size=(30, 2)), 3)
Zw = linkage(np.repeat(P, W, axis=0), method="ward")

out = {
    "versions": {"numpy": np.__version__, "scipy": scipy.__version__, "sklearn": sklearn.__version__},
    "points": X.tolist(),
    "kmeans_labels": km.labels_.tolist(),
    "kmeans_inertia": float(km.inertia_),
    "silhouette": float(silhouette_score(X, km.labels_)),
    "davies_bouldin": float(davies_bouldin_score(X, km.labels_)),
    "calinski_harabasz": float(calinski_harabasz_score(X, km.labels_)),
    "dbscan": {"eps": 0.8, "min_samples": 5, "labels": db.labels_.tolist(),
               "core": sorted(int(i) for i in db.core_sample_indices_),
               "silhouette": float(silhouette_score(X[mask], db.labels_[mask])),
               "davies_bouldin": float(davies_bouldin_score(X[mask], db.labels_[mask]))},
    "ward_heights": Z[:, 2].tolist(),
    "ward_sizes": Z[:, 3].tolist(),
    "weighted": {"points": P.tolist(), "weights": W.tolist(),
                 "heights": [h for h in Zw[:, 2].tolist() if h > 0]},
}
path = os.path.join(os.path.dirname(__file__), "..", "Tests", "PatrolIQCoreTests", "Reference", "clustering.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
print("wrote", os.path.normpath(path), file=sys.stderr)
