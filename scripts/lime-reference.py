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
