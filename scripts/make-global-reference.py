"""Reference values for the global methods (test/data/global/sklearn-reference.json), from scikit-learn.

Run with Debian's Python and scikit-learn 1.2.1: /usr/bin/python3 scripts/make-global-reference.py
Not run by the tests; its output is committed. Every model here is a closed-form function that the
tests rebuild in TypeScript, so the numbers compare the methods, not the models.
"""
import json

import numpy as np
import sklearn
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.inspection import partial_dependence
from sklearn.metrics import accuracy_score, log_loss, mean_squared_error, r2_score
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

rng = np.random.RandomState(0)


def grid32(a):
    """Values exactly representable in float32 (sklearn's trees compute in float32)."""
    return np.round(a * 1024) / 1024


class Formula(RegressorMixin, BaseEstimator):
    """f(x) = x0^2 + 2 x1 - x2 (rebuilt in the test)."""

    def fit(self, X, y=None):
        self.fitted_ = True
        return self

    def predict(self, X):
        return X[:, 0] ** 2 + 2 * X[:, 1] - X[:, 2]


class Logistic(ClassifierMixin, BaseEstimator):
    """p(class 1) = sigmoid(x0 - x2) (rebuilt in the test)."""

    def fit(self, X, y=None):
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X):
        p = 1 / (1 + np.exp(-(X[:, 0] - X[:, 2])))
        return np.stack([1 - p, p], axis=1)

    def predict(self, X):
        return (self.predict_proba(X)[:, 1] > 0.5).astype(int)


# Partial dependence: a continuous, a 3-valued and a normal feature.
X = np.stack([grid32(rng.uniform(-2, 2, 60)), rng.randint(0, 3, 60).astype(float), grid32(rng.normal(0, 1, 60))], axis=1)
f = Formula().fit(X)
pd_cases = []
for feature, kwargs in [(0, dict(grid_resolution=20)), (1, dict(grid_resolution=20)), (2, dict(grid_resolution=15, percentiles=(0.1, 0.9))),
                        (0, dict(grid_resolution=100))]:
    r = partial_dependence(f, X, [feature], kind="both", **kwargs)
    pd_cases.append({"model": "formula", "feature": feature, "options": kwargs, "grid": r["values"][0].tolist(),
                     "average": r["average"][0].tolist(), "individual": r["individual"][0].tolist()})
clf = Logistic().fit(X)
r = partial_dependence(clf, X, [0], kind="both", grid_resolution=10)
pd_cases.append({"model": "logistic", "feature": 0, "options": {"grid_resolution": 10}, "grid": r["values"][0].tolist(),
                 "average": r["average"][0].tolist(), "individual": r["individual"][0].tolist()})

# Scores.
y_true = rng.randint(0, 3, 40)
proba = rng.dirichlet([1, 1, 1], 40)
proba[0] = [1, 0, 0]  # a zero probability: exercises the clipping
y_reg = rng.normal(0, 1, 40)
y_hat = y_reg + rng.normal(0, 0.5, 40)
scores = {
    "y_true": y_true.tolist(), "proba": proba.tolist(), "y_reg": y_reg.tolist(), "y_hat": y_hat.tolist(),
    "accuracy": accuracy_score(y_true, proba.argmax(1)), "log_loss": log_loss(y_true, proba),
    "r2": r2_score(y_reg, y_hat), "mse": mean_squared_error(y_reg, y_hat),
}


def tree_nodes(t):
    """Nodes in preorder (left subtree first): split nodes with feature and threshold, leaves without."""
    tr = t.tree_
    out = []

    def walk(i):
        value = tr.value[i][0] if tr.value.shape[1] == 1 else tr.value[:, 0][i]
        value = (value / value.sum()).tolist() if isinstance(t, DecisionTreeClassifier) else value.tolist()
        node = {"samples": int(tr.n_node_samples[i]), "value": value}
        if tr.children_left[i] != -1:
            node.update(feature=int(tr.feature[i]), threshold=float(tr.threshold[i]))
        out.append(node)
        if tr.children_left[i] != -1:
            walk(tr.children_left[i])
            walk(tr.children_right[i])

    walk(0)
    return out


# Trees on continuous features (no exact ties between candidate splits).
Xt = grid32(rng.uniform(0, 10, (300, 4)))
yr = np.where(Xt[:, 0] < 4, 1.0, 3.0) + 0.5 * Xt[:, 1] + rng.normal(0, 0.3, 300)
reg = DecisionTreeRegressor(max_depth=3, min_samples_leaf=5, random_state=0).fit(Xt, yr)
yc = (Xt[:, 0] > 5).astype(int) + (Xt[:, 2] > 7).astype(int) + (rng.uniform(size=300) < 0.1).astype(int)
yc = np.minimum(yc, 2)
cls = DecisionTreeClassifier(max_depth=3, min_samples_leaf=3, random_state=0).fit(Xt, yc)
trees = {
    "X": Xt.tolist(),
    "regression": {"y": yr.tolist(), "max_depth": 3, "min_samples_leaf": 5, "nodes": tree_nodes(reg),
                   "feature_importances": reg.feature_importances_.tolist()},
    "classification": {"y": yc.tolist(), "max_depth": 3, "min_samples_leaf": 3, "nodes": tree_nodes(cls),
                       "feature_importances": cls.feature_importances_.tolist()},
}

out = {
    "generator": "scripts/make-global-reference.py", "sklearn": sklearn.__version__, "numpy": np.__version__,
    "pd_X": X.tolist(), "partial_dependence": pd_cases, "scores": scores, "trees": trees,
}
with open("test/data/global/sklearn-reference.json", "w") as fh:
    json.dump(out, fh)
print("wrote test/data/global/sklearn-reference.json")
