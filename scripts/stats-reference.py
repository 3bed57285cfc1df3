"""Writes scikit-learn reference fixtures: test/stats/fixtures/lars-sklearn.json (lars_path and LassoLarsIC on
small fixed problems, for src/stats/lars.ts), test/stats/fixtures/kmeans-sklearn.json (the KMeans fit inside
shap.kmeans) and test/attribution/coalition/fixtures/kernel-l1-sklearn.json (shap's KernelSHAP l1 selection).

Run with Debian's python3 and python3-sklearn (1.2.1): /usr/bin/python3 scripts/stats-reference.py
"""
import json
import numpy as np
import sklearn
from sklearn.linear_model import LassoLarsIC, lars_path
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def problems():
    rng = np.random.RandomState(0)
    x = rng.normal(size=(60, 8))
    y = 3 * x[:, 0] - 2 * x[:, 3] + 0.5 * x[:, 5] + 0.5 * rng.normal(size=60)
    yield "independent", x, y
    # x2 is nearly (x0 + x1) / 2: it enters first and is dropped later on the lasso path.
    rng = np.random.RandomState(4)
    a, b = rng.normal(size=40), rng.normal(size=40)
    x = np.column_stack([a, b, 0.5 * (a + b) + 0.1 * rng.normal(size=40), rng.normal(size=40), rng.normal(size=40)])
    y = a + b - 0.3 * x[:, 2] + 0.1 * rng.normal(size=40)
    yield "drop", x, y
    # More columns than rows: the path stops when the residual is (nearly) zero.
    rng = np.random.RandomState(2)
    x = rng.normal(size=(10, 15))
    y = x[:, 0] - x[:, 1] + 0.1 * rng.normal(size=10)
    yield "wide", x, y


def kernel_like():
    """A KernelSHAP-style augmented regression (shap's solve() with l1_reg='aic'/'bic')."""
    rng = np.random.RandomState(3)
    m, n = 12, 300
    masks = (rng.uniform(size=(n, m)) < rng.uniform(0.1, 0.9, size=(n, 1))).astype(float)
    s = masks.sum(1)
    keep = (s > 0) & (s < m)
    masks, s = masks[keep], s[keep]
    phi = np.array([2.0, -1.5, 1.0, 0.6, -0.4, 0.2, 0.1, 0.05, 0.0, 0.0, 0.0, 0.0])
    ey = masks @ phi + 0.05 * rng.normal(size=len(s))
    total = phi.sum()
    w = rng.uniform(0.5, 1.5, size=len(s))
    w_aug = np.hstack((w * (m - s), w * s))
    w_sqrt = np.sqrt(w_aug)
    y_aug = np.hstack((ey, ey - total)) * w_sqrt
    x_aug = np.transpose(w_sqrt * np.transpose(np.vstack((masks, masks - 1))))
    return x_aug, y_aug


def main():
    out = {"meta": {"sklearn": sklearn.__version__, "numpy": np.__version__,
                    "note": "lars_path(X, y, method=...) with defaults; coefs as one vector per step (sklearn's coefs.T)"},
           "paths": [], "ic": []}
    for name, x, y in problems():
        case = {"name": name, "x": x.tolist(), "y": y.tolist()}
        for method in ("lar", "lasso"):
            alphas, active, coefs = lars_path(x, y, method=method)
            case[method] = {"alphas": alphas.tolist(), "active": [int(i) for i in active], "coefs": coefs.T.tolist()}
        alphas, active, coefs = lars_path(x, y, method="lar", max_iter=3)
        case["lar_max_iter_3"] = {"alphas": alphas.tolist(), "active": [int(i) for i in active], "coefs": coefs.T.tolist()}
        out["paths"].append(case)
        if x.shape[0] > x.shape[1] + 1:
            for criterion in ("aic", "bic"):
                model = LassoLarsIC(criterion=criterion).fit(x, y)
                out["ic"].append({"name": name, "criterion": criterion, "x": x.tolist(), "y": y.tolist(), "scaled": False,
                                  "coef": model.coef_.tolist(), "alpha": float(model.alpha_), "intercept": float(model.intercept_),
                                  "noise_variance": float(model.noise_variance_), "criterion_values": model.criterion_.tolist()})
    x, y = kernel_like()
    for criterion in ("aic", "bic"):
        pipe = make_pipeline(StandardScaler(with_mean=False), LassoLarsIC(criterion=criterion)).fit(x, y)
        model = pipe[1]
        out["ic"].append({"name": "kernel-shap-augmented", "criterion": criterion, "x": x.tolist(), "y": y.tolist(), "scaled": True,
                          "scale": pipe[0].scale_.tolist(), "coef": model.coef_.tolist(), "alpha": float(model.alpha_),
                          "intercept": float(model.intercept_), "noise_variance": float(model.noise_variance_),
                          "criterion_values": model.criterion_.tolist(),
                          "nonzero": [int(i) for i in np.nonzero(model.coef_)[0]]})
    # shap's num_features(r): the active set of a LAR path limited to r steps.
    out["num_features"] = {"r": 5, "active": [int(i) for i in lars_path(x, y, max_iter=5)[1]]}
    with open("test/stats/fixtures/lars-sklearn.json", "w") as f:
        json.dump(out, f)
    kmeans_reference()
    kernel_selection_reference()


def kernel_selection_reference():
    """shap KernelExplainer.solve()'s feature selection (l1_reg num_features(r), aic, bic), run with
    sklearn on a KernelSHAP-like regression: Shapley-kernel weighted coalitions of 12 players."""
    from math import comb
    rng = np.random.RandomState(11)
    m = 12
    sizes = rng.randint(1, m, size=400)
    masks = np.zeros((400, m))
    for i, s in enumerate(sizes):
        masks[i, rng.permutation(m)[:s]] = 1
    w = np.array([(m - 1) / (comb(m, int(s)) * s * (m - s)) for s in sizes])
    w /= w.sum()
    phi = np.array([1.5, -1.0, 0.8, 0.5, -0.3, 0.2, 0.1, 0.05, 0.02, 0.0, 0.0, 0.0])
    ey = masks @ phi + 0.3 * masks[:, 0] * masks[:, 1] + 0.02 * rng.normal(size=400)
    total = phi.sum() + 0.3
    s = masks.sum(1)
    w_aug = np.hstack((w * (m - s), w * s))
    w_sqrt = np.sqrt(w_aug)
    y_aug = np.hstack((ey, ey - total)) * w_sqrt
    x_aug = np.transpose(w_sqrt * np.transpose(np.vstack((masks, masks - 1))))
    out = {"meta": {"sklearn": sklearn.__version__, "note": "shap 0.49 solve(): lars_path(mask_aug, eyAdj_aug, max_iter=r)[1]; "
                    "np.nonzero(make_pipeline(StandardScaler(with_mean=False), LassoLarsIC(criterion=c)).fit(mask_aug, eyAdj_aug)[1].coef_)[0]"},
           "m": m, "masks": masks.astype(int).tolist(), "weights": w.tolist(), "eyAdj": ey.tolist(), "total": float(total), "selections": {}}
    for r in (3, 5, 10):
        out["selections"][f"num_features({r})"] = [int(i) for i in lars_path(x_aug, y_aug, max_iter=r)[1]]
    for c in ("aic", "bic"):
        model = make_pipeline(StandardScaler(with_mean=False), LassoLarsIC(criterion=c)).fit(x_aug, y_aug)
        out["selections"][c] = [int(i) for i in np.nonzero(model[1].coef_)[0]]
    with open("test/attribution/coalition/fixtures/kernel-l1-sklearn.json", "w") as f:
        json.dump(out, f)


def kmeans_reference():
    """sklearn KMeans as shap.kmeans(X_train, 10) runs it, on the breast cancer training rows."""
    from sklearn.cluster import KMeans
    with open("test/data/reference/tabular.json") as f:
        t = json.load(f)
    x = np.array(t["X"])[t["train_idx"]]
    km = KMeans(n_clusters=10, random_state=0, n_init=10).fit(x)
    out = {"meta": {"sklearn": sklearn.__version__, "call": "KMeans(n_clusters=10, random_state=0, n_init=10).fit(X[train_idx])"},
           "labels": km.labels_.tolist(), "centers": km.cluster_centers_.tolist(), "inertia": float(km.inertia_)}
    with open("test/stats/fixtures/kmeans-sklearn.json", "w") as f:
        json.dump(out, f)


main()
