"""Reference bin edges for Glassbox's LIME discretizers (test/attribution/lime/data/discretizer-reference.json).

lime's QuartileDiscretizer / DecileDiscretizer take numpy.percentile of each column; its EntropyDiscretizer
takes the sorted split thresholds of sklearn's DecisionTreeClassifier(criterion='entropy', max_depth=3)
fitted on the column and the training labels (the median when the tree does not split). This script
computes exactly those with numpy and sklearn. Run with Debian's python3 (python3-numpy, python3-sklearn):

    /usr/bin/python3 scripts/lime-reference.py
"""
import json
import numpy as np
import sklearn
from sklearn.tree import DecisionTreeClassifier

rng = np.random.RandomState(7)
columns = {
    'small': [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5],
    'normal': np.round(rng.normal(40, 12, 200), 3).tolist(),
    'ties': rng.randint(0, 5, 150).astype(float).tolist(),
}
n = len(columns['normal'])
x = np.array(columns['normal'])
# Labels that depend on the value, with noise, in three classes.
labels = (np.digitize(x + rng.normal(0, 4, n), [35, 50])).tolist()

cases = []
for name, col in columns.items():
    c = np.array(col, dtype=float)
    case = {
        'column': name,
        'quartile': np.unique(np.percentile(c, [25, 50, 75])).tolist(),
        'decile': np.unique(np.percentile(c, [10, 20, 30, 40, 50, 60, 70, 80, 90])).tolist(),
    }
    if name == 'normal':
        dt = DecisionTreeClassifier(criterion='entropy', max_depth=3, random_state=0).fit(c.reshape(-1, 1), labels)
        qts = dt.tree_.threshold[np.where(dt.tree_.children_left > -1)]
        case['entropy'] = np.unique(np.sort(qts) if qts.shape[0] else np.array([np.median(c)])).tolist()
    cases.append(case)

out = {
    'source': 'scripts/lime-reference.py: numpy %s percentile, sklearn %s DecisionTreeClassifier(entropy, max_depth=3)' % (np.__version__, sklearn.__version__),
    'columns': columns,
    'labels': labels,
    'cases': cases,
}
with open('test/attribution/lime/data/discretizer-reference.json', 'w') as f:
    json.dump(out, f)
print(json.dumps(cases)[:2000])


# --- lime's feature selection (lime_base.LimeBase.feature_selection), replayed step by step on sklearn,
# on a fixed weighted problem: binary features like lime's tabular representation, a noisy target.
from sklearn.linear_model import Ridge, lars_path

rng = np.random.RandomState(11)
n, p = 120, 9
data = (rng.uniform(size=(n, p)) < 0.6).astype(float)
data[0] = 1
data[:, 7] = np.where(rng.uniform(size=n) < 0.9, data[:, 2], 1 - data[:, 2])  # correlated with feature 2
y = 1.5 * data[:, 2] - 1.0 * data[:, 5] + 0.6 * data[:, 0] + 0.3 * data[:, 7] + 0.2 * rng.normal(size=n)
d = np.sqrt(((data - data[0]) ** 2).sum(axis=1))
w = np.sqrt(np.exp(-(d ** 2) / (np.sqrt(p) * 0.75) ** 2))


def forward_selection(num_features):
    used = []
    for _ in range(min(num_features, p)):
        max_, best = -100000000, 0
        for f in range(p):
            if f in used:
                continue
            clf = Ridge(alpha=0, fit_intercept=True).fit(data[:, used + [f]], y, sample_weight=w)
            score = clf.score(data[:, used + [f]], y, sample_weight=w)
            if score > max_:
                best, max_ = f, score
        used.append(best)
    return used


def highest_weights(num_features):
    clf = Ridge(alpha=0.01, fit_intercept=True).fit(data, y, sample_weight=w)
    weighted = clf.coef_ * data[0]
    order = sorted(zip(range(p), weighted), key=lambda x: np.abs(x[1]), reverse=True)
    return [int(x[0]) for x in order[:num_features]]


def lasso(num_features):
    wd = (data - np.average(data, axis=0, weights=w)) * np.sqrt(w[:, np.newaxis])
    wl = (y - np.average(y, weights=w)) * np.sqrt(w)
    nonzero = range(p)
    _, _, coefs = lars_path(wd, wl, method='lasso', verbose=False)
    for i in range(len(coefs.T) - 1, 0, -1):
        nonzero = coefs.T[i].nonzero()[0]
        if len(nonzero) <= num_features:
            break
    return [int(v) for v in nonzero]


selection = {'data': data.tolist(), 'labels': y.tolist(), 'weights': w.tolist(), 'cases': []}
for method, fn in [('forward_selection', forward_selection), ('highest_weights', highest_weights), ('lasso_path', lasso)]:
    for k in (2, 4):
        used = fn(k)
        final = Ridge(alpha=1, fit_intercept=True).fit(data[:, used], y, sample_weight=w)
        selection['cases'].append({
            'method': method, 'numFeatures': k, 'used': used, 'coef': final.coef_.tolist(),
            'intercept': float(final.intercept_), 'score': float(final.score(data[:, used], y, sample_weight=w)),
        })
with open('test/attribution/lime/data/selection-reference.json', 'w') as f:
    json.dump(selection, f)
print(json.dumps(selection['cases']))


# --- LimeTabularExplainer's pipeline on the breast-cancer logistic regression (test/data/reference/tabular.json),
# replayed after lime_tabular.py / discretize.py with numpy's percentile and choice, scipy's truncnorm and
# sklearn's pairwise_distances and Ridge: quartile bins, 'none' feature selection, class 1. The weights are
# averaged over 20 runs of 20000 samples, so they are the expectation a single seeded run scatters around.
import scipy.stats
from sklearn.metrics import pairwise_distances

fx = json.load(open('test/data/reference/tabular.json'))
X = np.array(fx['X'])
train = X[fx['train_idx']]
row = X[fx['explain_idx']]
coef = np.array(fx['coef']).ravel()
mean_, scale_ = np.array(fx['scaler_mean']), np.array(fx['scaler_scale'])


def predict_proba(m):
    p1 = 1 / (1 + np.exp(-(((m - mean_) / scale_) @ coef + fx['intercept'])))
    return np.stack([1 - p1, p1], axis=1)


p = train.shape[1]
qts = [np.unique(np.percentile(train[:, f], [25, 50, 75])) for f in range(p)]
disc = lambda f, v: np.searchsorted(qts[f], v)
stats = []
for f in range(p):
    d = disc(f, train[:, f])
    means = [train[d == b, f].mean() if (d == b).any() else 0 for b in range(len(qts[f]) + 1)]
    stds = [(train[d == b, f].std() if (d == b).any() else 0) + 1e-11 for b in range(len(qts[f]) + 1)]
    mins = [train[:, f].min()] + qts[f].tolist()
    maxs = qts[f].tolist() + [train[:, f].max()]
    values, counts = np.unique(d, return_counts=True)
    stats.append((np.array(means), np.array(stds), np.array(mins), np.array(maxs), values, counts / counts.sum()))

kernel_width = np.sqrt(p) * 0.75
n = 20000
runs = []
for seed in range(20):
    rs = np.random.RandomState(seed)
    first = np.array([disc(f, row[f]) for f in range(p)])
    data = np.zeros((n, p))
    inverse = np.zeros((n, p))
    for f in range(p):
        means, stds, mins, maxs, values, freqs = stats[f]
        col = rs.choice(values, size=n, replace=True, p=freqs)
        binary = (col == first[f]).astype(int)
        binary[0] = 1
        data[:, f] = binary
        b = col[1:]
        minz = (mins[b] - means[b]) / stds[b]
        maxz = (maxs[b] - means[b]) / stds[b]
        ret = minz.copy()  # lime keeps the z-score where a bin's bounds coincide
        ok = minz != maxz
        ret[ok] = scipy.stats.truncnorm.rvs(minz[ok], maxz[ok], loc=means[b][ok], scale=stds[b][ok], random_state=rs)
        inverse[1:, f] = ret
    inverse[0] = row
    dist = pairwise_distances(data, data[0].reshape(1, -1), metric='euclidean').ravel()
    w = np.sqrt(np.exp(-(dist ** 2) / kernel_width ** 2))
    y = predict_proba(inverse)[:, 1]
    model = Ridge(alpha=1, fit_intercept=True).fit(data, y, sample_weight=w)
    runs.append((model.coef_, model.intercept_, model.score(data, y, sample_weight=w)))

coefs = np.array([r[0] for r in runs])
tabular = {
    'explain_idx': fx['explain_idx'], 'target': 1, 'num_samples': n, 'runs': len(runs),
    'coef_mean': coefs.mean(axis=0).tolist(), 'coef_std': coefs.std(axis=0).tolist(),
    'intercept_mean': float(np.mean([r[1] for r in runs])), 'score_mean': float(np.mean([r[2] for r in runs])),
    'prediction': float(predict_proba(row[None, :])[0, 1]),
    'degenerate_bins': int(sum((s[2] == s[3]).sum() for s in stats)),
}
with open('test/attribution/lime/data/tabular-reference.json', 'w') as f:
    json.dump(tabular, f)
print(json.dumps(tabular)[:1500])


# --- LimeTextExplainer's pipeline (lime_text.py: IndexedString with bow, randint(1, d + 1) words removed per
# sample, cosine distance * 100, kernel width 25, Ridge(alpha=1)), replayed on numpy and sklearn for a fixed
# word-weight classifier: p(class 1) = sigmoid(sum of the weights of the words present, lower-cased).
import re

word_weights = {'excellent': 2.0, 'great': 1.5, 'rude': -2.0, 'bland': -1.0, 'the': 0.1}
text = 'the food was great but the waiters were rude and the wine excellent'


def classify(texts):
    out = []
    for t in texts:
        z = sum(word_weights.get(w.lower(), 0.0) for w in re.split(r'\W+', t) if w)
        out.append(1 / (1 + np.exp(-z)))
    return np.array(out)


splitter = re.compile(r'(\W+)|$')
tokens = [s for s in splitter.split(text) if s]
vocab, positions = {}, []
for i, tok in enumerate(tokens):
    if splitter.match(tok):
        continue
    if tok not in vocab:
        vocab[tok] = len(vocab)
        positions.append([])
    positions[vocab[tok]].append(i)
words = list(vocab)
d = len(words)
n = 5000
text_runs = []
for seed in range(20):
    rs = np.random.RandomState(seed)
    sizes = rs.randint(1, d + 1, n - 1)
    data = np.ones((n, d))
    texts = [text]
    for i, size in enumerate(sizes, start=1):
        inactive = rs.choice(range(d), size, replace=False)
        data[i, inactive] = 0
        removed = {p for f in inactive for p in positions[f]}
        texts.append(''.join(t for k, t in enumerate(tokens) if k not in removed))
    y = classify(texts)
    dist = pairwise_distances(data, data[0].reshape(1, -1), metric='cosine').ravel() * 100
    w = np.sqrt(np.exp(-(dist ** 2) / 25 ** 2))
    model = Ridge(alpha=1, fit_intercept=True).fit(data, y, sample_weight=w)
    text_runs.append((model.coef_, model.intercept_, model.score(data, y, sample_weight=w)))
coefs = np.array([r[0] for r in text_runs])
text_ref = {
    'text': text, 'word_weights': word_weights, 'words': words, 'num_samples': n, 'runs': len(text_runs),
    'coef_mean': coefs.mean(axis=0).tolist(), 'coef_std': coefs.std(axis=0).tolist(),
    'intercept_mean': float(np.mean([r[1] for r in text_runs])), 'score_mean': float(np.mean([r[2] for r in text_runs])),
}
with open('test/attribution/lime/data/text-reference.json', 'w') as f:
    json.dump(text_ref, f)
print(json.dumps(text_ref)[:1500])


# --- LimeImageExplainer's pipeline (lime_image.py: hide_color=None paints each hidden segment with its mean,
# randint(0, 2) per segment with row 0 all ones, cosine distance, kernel width 0.25, Ridge(alpha=1)), replayed
# for a fixed 8 x 8 grey image, a fixed segmentation into 6 segments and a fixed nonlinear model:
# p = sigmoid(sum(w * x) - 1).
rs = np.random.RandomState(21)
h, w_ = 8, 8
image = np.round(rs.uniform(size=(h, w_)), 3)
pixel_weights = np.round(rs.normal(size=(h, w_)), 3)
segments = np.array([[(y // 4) * 3 + (x * 3) // 8 for x in range(w_)] for y in range(h)])
k = segments.max() + 1
fudged = image.copy()
for s in range(k):
    fudged[segments == s] = image[segments == s].mean()


def image_model(batch):
    return 1 / (1 + np.exp(-((batch * pixel_weights).sum(axis=(1, 2)) - 1)))


n = 1000
image_runs = []
for seed in range(20):
    rs = np.random.RandomState(seed)
    data = rs.randint(0, 2, n * k).reshape((n, k))
    data[0, :] = 1
    batch = []
    for row_ in data:
        temp = image.copy()
        mask = np.zeros(segments.shape).astype(bool)
        for z in np.where(row_ == 0)[0]:
            mask[segments == z] = True
        temp[mask] = fudged[mask]
        batch.append(temp)
    y = image_model(np.array(batch))
    dist = pairwise_distances(data, data[0].reshape(1, -1), metric='cosine').ravel()
    wts = np.sqrt(np.exp(-(dist ** 2) / 0.25 ** 2))
    model = Ridge(alpha=1, fit_intercept=True).fit(data, y, sample_weight=wts)
    image_runs.append((model.coef_, model.intercept_, model.score(data, y, sample_weight=wts)))
coefs = np.array([r[0] for r in image_runs])
image_ref = {
    'image': image.tolist(), 'pixel_weights': pixel_weights.tolist(), 'bias': -1, 'segments': segments.tolist(),
    'num_samples': n, 'runs': len(image_runs), 'coef_mean': coefs.mean(axis=0).tolist(), 'coef_std': coefs.std(axis=0).tolist(),
    'intercept_mean': float(np.mean([r[1] for r in image_runs])), 'score_mean': float(np.mean([r[2] for r in image_runs])),
}
with open('test/attribution/lime/data/image-reference.json', 'w') as f:
    json.dump(image_ref, f)
print(json.dumps({k_: v for k_, v in image_ref.items() if k_ not in ('image', 'pixel_weights', 'segments')}))
