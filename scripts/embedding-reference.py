"""
Reference values for the embedding-space tests and benchmark, from scikit-learn 1.2.1 and numpy 1.24
(run with Debian's /usr/bin/python3, which has them): writes JSON fixtures to test/data/reference/embedding/.

    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 scripts/embedding-reference.py [--no-timing] [--repeats N]

(OpenMP's default busy-waiting makes sklearn's two threads many times slower when other jobs share the
cores; PASSIVE keeps the figure meaningful on a loaded machine. CPU time is recorded beside wall time.)

- pca.json: a small tall matrix and a small wide one, with sklearn PCA (svd_solver='full') components,
  explained variance (ratio), singular values and transformed points; and numpy's SVD of the centred matrix.
- trustworthiness.json: pairs (high, low) with sklearn.manifold.trustworthiness at several k, continuity
  (trustworthiness with the roles swapped) and k-NN preservation (computed here with numpy).
- tsne-p.json: sklearn's joint probabilities P (TSNE._fit's neighbour graph, squared euclidean distances,
  _joint_probabilities_nn) for a small set, as (row, col, value) triplets.
- tsne-bench.json: sklearn TSNE (defaults of 1.2: perplexity 30, init 'pca', learning_rate 'auto',
  1000 iterations, Barnes-Hut, angle 0.5) on the first 2000 MNIST test digits reduced to 50 dimensions by
  PCA: wall and CPU time (median of --repeats, default 3), trustworthiness at k = 10 and the final KL divergence; and PCA(2) on a
  5000 x 64 Gaussian matrix: median wall time of 21 runs. The 2000 x 50 input is not stored: the
  benchmark rebuilds it the same way (pixels / 255, exact PCA to 50 dimensions).
"""
import gzip
import json
import os
import sys
import time

import numpy as np
import sklearn
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE, trustworthiness
from sklearn.manifold._t_sne import _joint_probabilities_nn
from sklearn.neighbors import NearestNeighbors

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'test', 'data', 'reference', 'embedding')
os.makedirs(OUT, exist_ok=True)
META = {'sklearn': sklearn.__version__, 'numpy': np.__version__, 'script': 'scripts/embedding-reference.py'}


def write(name, obj):
    with open(os.path.join(OUT, name), 'w') as f:
        json.dump({'meta': META, **obj}, f, separators=(',', ':'))
    print('wrote', name)


def mat(a):
    return [float(v) for v in np.asarray(a, dtype=np.float64).ravel()]


def pca_case(x, k):
    p = PCA(n_components=k, svd_solver='full').fit(x)
    centred = x - x.mean(axis=0)
    s = np.linalg.svd(centred, compute_uv=False)
    return {
        'count': x.shape[0], 'dim': x.shape[1], 'components': k, 'x': mat(x),
        'axes': mat(p.components_), 'explainedVariance': mat(p.explained_variance_),
        'explainedVarianceRatio': mat(p.explained_variance_ratio_), 'singularValues': mat(p.singular_values_),
        'transformed': mat(p.transform(x)), 'numpySingularValues': mat(s[:k]),
    }


def pca_fixture():
    rng = np.random.default_rng(1)
    # Correlated columns with distinct variances, so the components are well separated.
    tall = (rng.normal(size=(40, 6)) @ rng.normal(size=(6, 6)) * np.array([3, 2, 1.5, 1, 0.5, 0.2])).astype(np.float32)
    wide = rng.normal(size=(8, 30)).astype(np.float32)
    write('pca.json', {'tall': pca_case(tall, 3), 'wide': pca_case(wide, 3)})


def knn_sets(x, k):
    nn = NearestNeighbors(n_neighbors=k).fit(x).kneighbors(return_distance=False)
    return [set(row) for row in nn]


def trust_fixture():
    rng = np.random.default_rng(2)
    cases = []
    for n, d, noise in [(60, 10, 0.5), (80, 5, 2.0)]:
        high = rng.normal(size=(n, d)).astype(np.float32)
        low = (high[:, :2] + noise * rng.normal(size=(n, 2))).astype(np.float32)
        entries = []
        for k in [1, 5, 10]:
            hs, ls = knn_sets(high, k), knn_sets(low, k)
            entries.append({
                'k': k,
                'trustworthiness': float(trustworthiness(high, low, n_neighbors=k)),
                'continuity': float(trustworthiness(low, high, n_neighbors=k)),
                'knnPreservation': float(np.mean([len(a & b) / k for a, b in zip(hs, ls)])),
            })
        cases.append({'count': n, 'dim': d, 'high': mat(high), 'low': mat(low), 'entries': entries})
    write('trustworthiness.json', {'cases': cases})


def p_fixture():
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.normal(size=(30, 5)), rng.normal(loc=3, size=(30, 5))]).astype(np.float32)
    cases = []
    for perplexity in [5.0, 10.0]:
        n_neighbors = min(x.shape[0] - 1, int(3.0 * perplexity + 1))
        d = NearestNeighbors(n_neighbors=n_neighbors).fit(x).kneighbors_graph(mode='distance')
        d.data **= 2
        p = _joint_probabilities_nn(d, perplexity, 0).tocoo()
        cases.append({'perplexity': perplexity, 'rows': p.row.tolist(), 'cols': p.col.tolist(), 'values': mat(p.data)})
    write('tsne-p.json', {'count': x.shape[0], 'dim': x.shape[1], 'x': mat(x), 'cases': cases})


def read_idx(path):
    with gzip.open(path) as f:
        data = f.read()
    rank = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], 'big') for i in range(rank)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(shape)


def bench_fixture():
    images = read_idx(os.path.join(ROOT, 'data', 'mnist', 't10k-images-idx3-ubyte.gz'))[:2000].reshape(2000, 784)
    x = PCA(n_components=50, svd_solver='full').fit_transform(images.astype(np.float64) / 255).astype(np.float32)
    times, cpu, trusts, kls = [], [], [], []
    repeats = int(sys.argv[sys.argv.index('--repeats') + 1]) if '--repeats' in sys.argv else 3
    for _ in range(repeats):
        t0 = time.perf_counter()
        c0 = time.process_time()
        tsne = TSNE(n_components=2, perplexity=30.0, init='pca', learning_rate='auto', n_iter=1000, random_state=0)
        y = tsne.fit_transform(x)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        trusts.append(float(trustworthiness(x, y, n_neighbors=10)))
        kls.append(float(tsne.kl_divergence_))
    rng = np.random.default_rng(4)
    g = rng.normal(size=(5000, 64)).astype(np.float32)
    pca_times = []
    for _ in range(21):
        t0 = time.perf_counter()
        PCA(n_components=2).fit_transform(g)
        pca_times.append(time.perf_counter() - t0)
    write('tsne-bench.json', {
        'tsne': {'data': 'first 2000 MNIST test digits, pixels / 255, PCA to 50 dimensions', 'count': 2000, 'dim': 50,
                 'secondsMedian': float(np.median(times)), 'seconds': times, 'cpuSecondsMedian': float(np.median(cpu)),
                 'ompWaitPolicy': os.environ.get('OMP_WAIT_POLICY', 'default'), 'ompThreads': os.environ.get('OMP_NUM_THREADS', 'default'), 'trustworthinessK10': trusts, 'kl': kls},
        'pca': {'data': '5000 x 64 standard normal', 'components': 2, 'svdSolver': 'auto (randomized here)',
                'secondsMedian': float(np.median(pca_times))},
        'machine': 'two cores shared with other jobs: times are noisy',
    })


pca_fixture()
trust_fixture()
p_fixture()
if '--no-timing' not in sys.argv:
    bench_fixture()
