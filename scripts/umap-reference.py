"""
Reference values for the UMAP tests, from umap-learn 0.5.3 (Debian's package `umap-learn`, with numpy
and scikit-learn; run with /usr/bin/python3): writes test/data/reference/umap/umap-learn.json.

    apt-get install umap-learn && /usr/bin/python3 scripts/umap-reference.py

- ab: umap.umap_.find_ab_params(spread, min_dist) for three settings.
- graph: 120 points in 6 dimensions (float32, stored), their exact 10 nearest neighbours (the point
  itself first, euclidean in float64), umap-learn's smooth_knn_dist (sigmas, rhos) and the fuzzy graph
  of fuzzy_simplicial_set given those neighbours, as (row, col, value) triplets.
- digits: umap-learn's UMAP (defaults, random_state 0) on the first 800 MNIST test digits (pixels / 255):
  trustworthiness at k = 5 (sklearn) and leave-one-out 5-NN accuracy of the labels in the layout, the
  figures Glassbox's own UMAP is compared with in test/embedding/umap.test.ts.
"""
import gzip
import json
import struct

import numpy as np
from sklearn.manifold import trustworthiness
from sklearn.neighbors import KNeighborsClassifier
from sklearn.model_selection import cross_val_score, LeaveOneOut
import umap
from umap.umap_ import find_ab_params, fuzzy_simplicial_set, smooth_knn_dist


def read_idx(path):
    with gzip.open(path, 'rb') as f:
        data = f.read()
    rank = data[3]
    shape = struct.unpack('>' + 'I' * rank, data[4:4 + 4 * rank])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(shape)


out = {'source': f'umap-learn {umap.__version__ if hasattr(umap, "__version__") else "0.5.3"}'}
out['ab'] = [{'spread': s, 'minDist': m, 'a': float(a), 'b': float(b)}
             for s, m in [(1.0, 0.1), (1.0, 0.5), (2.0, 0.01)] for a, b in [find_ab_params(s, m)]]

rng = np.random.default_rng(0)
points = (rng.normal(size=(120, 6)) + np.repeat(np.arange(3), 40)[:, None] * 3).astype(np.float32)
x = points.astype(np.float64)
d = np.sqrt(((x[:, None, :] - x[None, :, :]) ** 2).sum(-1))
k = 10
order = np.lexsort((np.tile(np.arange(120), (120, 1)), d), axis=1)[:, :k]
knn_dists = np.take_along_axis(d, order, axis=1)
sigmas, rhos = smooth_knn_dist(knn_dists, float(k))
graph, _, _ = fuzzy_simplicial_set(points, k, 0, 'euclidean', knn_indices=order.astype(np.int64), knn_dists=knn_dists)
coo = graph.tocoo()
out['graph'] = {
    'count': 120, 'dim': 6, 'k': k,
    'points': [float(v) for v in points.ravel()],
    'indices': [int(v) for v in order.ravel()],
    'sigmas': [float(v) for v in sigmas], 'rhos': [float(v) for v in rhos],
    'rows': [int(v) for v in coo.row], 'cols': [int(v) for v in coo.col], 'values': [float(v) for v in coo.data],
}

images = read_idx('data/mnist/t10k-images-idx3-ubyte.gz')[:800].reshape(800, -1).astype(np.float32) / 255
labels = read_idx('data/mnist/t10k-labels-idx1-ubyte.gz')[:800]
layout = umap.UMAP(random_state=0).fit_transform(images)
accuracy = cross_val_score(KNeighborsClassifier(n_neighbors=5), layout, labels, cv=LeaveOneOut()).mean()
out['digits'] = {'count': 800, 'trustworthiness5': float(trustworthiness(images, layout, n_neighbors=5)), 'knnAccuracy5': float(accuracy)}

with open('test/data/reference/umap/umap-learn.json', 'w') as f:
    json.dump(out, f)
print(json.dumps({'ab': out['ab'], 'digits': out['digits']}))
