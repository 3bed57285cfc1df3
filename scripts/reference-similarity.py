#!/usr/bin/python3
"""Reference values for Glassbox's similarity measures and the edge-detector control.

Writes test/data/reference/similarity/similarity.json: pairs of maps (rounded to 4 decimals, so the JSON
holds exactly the values the references were computed on) with scipy's Spearman and Pearson correlations,
skimage's structural_similarity (win_size 7, gaussian_weights False, data_range as stated per case) and
HOG features (skimage.feature.hog) with the Pearson correlation of the two maps' features; and
skimage.filters.sobel of small images.

Run with the Debian Python (apt python3-scipy python3-skimage):  /usr/bin/python3 scripts/reference-similarity.py
"""
import json
import os

import numpy as np
import scipy
import scipy.ndimage as ndi
import scipy.stats
import skimage
from skimage.feature import hog
from skimage.filters import sobel
from skimage.metrics import structural_similarity

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'data', 'reference', 'similarity', 'similarity.json')
rng = np.random.RandomState(0)


def smooth(shape, sigma):
    return ndi.gaussian_filter(rng.randn(*shape), sigma)


def r4(a):
    return np.round(np.asarray(a, dtype=np.float64), 4)


def joint_range(a, b):
    lo, hi = min(a.min(), b.min()), max(a.max(), b.max())
    return float(hi - lo) if hi > lo else 1.0


HOG_SETTINGS = [
    {'orientations': 9, 'pixels_per_cell': [8, 8], 'cells_per_block': [3, 3], 'block_norm': 'L2-Hys'},
    {'orientations': 9, 'pixels_per_cell': [4, 4], 'cells_per_block': [2, 2], 'block_norm': 'L2-Hys'},
    {'orientations': 6, 'pixels_per_cell': [5, 4], 'cells_per_block': [2, 3], 'block_norm': 'L1'},
    {'orientations': 8, 'pixels_per_cell': [4, 4], 'cells_per_block': [2, 2], 'block_norm': 'L2'},
]


def case(name, a, b, shape, keep_features=False):
    a, b = r4(a).reshape(shape), r4(b).reshape(shape)
    out = {
        'name': name,
        'shape': list(shape),
        'a': a.ravel().tolist(),
        'b': b.ravel().tolist(),
        'spearman': float(scipy.stats.spearmanr(a.ravel(), b.ravel())[0]),
        'pearson': float(scipy.stats.pearsonr(a.ravel(), b.ravel())[0]),
        'ssim': [],
        'hog': [],
    }
    for data_range in [None, 2.0]:
        r = joint_range(a, b) if data_range is None else data_range
        out['ssim'].append({'dataRange': r, 'explicit': data_range is not None,
                            'value': float(structural_similarity(a, b, win_size=7, gaussian_weights=False, data_range=r))})
    if len(shape) == 2:
        for s in HOG_SETTINGS:
            cells = [shape[0] // s['pixels_per_cell'][0], shape[1] // s['pixels_per_cell'][1]]
            if cells[0] < s['cells_per_block'][0] or cells[1] < s['cells_per_block'][1]:
                continue
            fa = hog(a, orientations=s['orientations'], pixels_per_cell=tuple(s['pixels_per_cell']),
                     cells_per_block=tuple(s['cells_per_block']), block_norm=s['block_norm'])
            fb = hog(b, orientations=s['orientations'], pixels_per_cell=tuple(s['pixels_per_cell']),
                     cells_per_block=tuple(s['cells_per_block']), block_norm=s['block_norm'])
            entry = {**s, 'similarity': float(scipy.stats.pearsonr(fa, fb)[0])}
            if keep_features:
                entry['featuresA'] = fa.tolist()
            out['hog'].append(entry)
    return out


base = smooth((28, 28), 2)
cases = [
    case('smooth maps, one a noisy copy of the other', base, base + 0.3 * smooth((28, 28), 1), (28, 28), keep_features=True),
    case('unrelated smooth maps', smooth((28, 28), 1.5), smooth((28, 28), 1.5), (28, 28)),
    case('absolute values with many ties (rounded to 1 decimal, zeros)',
         np.round(np.abs(np.maximum(base, 0)) * 10) / 10, np.round(np.abs(base + 0.5 * smooth((28, 28), 1)) * 10) / 10, (28, 28)),
    case('non-square maps', smooth((20, 33), 1), smooth((20, 33), 1) * 0.2 + np.linspace(0, 1, 20 * 33).reshape(20, 33), (20, 33)),
    case('one-dimensional maps', rng.randn(40), rng.randn(40) + np.arange(40) / 10, (40,)),
]

image = r4(rng.rand(9, 11))
sobel_cases = [{'shape': [9, 11], 'image': image.ravel().tolist(), 'sobel': sobel(image).ravel().tolist()}]

with open(OUT, 'w') as f:
    json.dump({
        'meta': {'numpy': np.__version__, 'scipy': scipy.__version__, 'skimage': skimage.__version__,
                 'script': 'scripts/reference-similarity.py'},
        'cases': cases,
        'sobel': sobel_cases,
    }, f)
print('wrote', OUT, os.path.getsize(OUT), 'bytes')
