#!/usr/bin/env python3
"""Trains the demo XGBoost classifier on breast cancer: models/cancer-xgb/model.json + metadata.json.

Run from the repository root: python3 scripts/train-demo-trees.py
Needs: apt-get install python3-xgboost python3-numpy python3-pandas.
Data: data/tabular/breast_cancer.csv (copied from the shared data if missing; see data/tabular/README.md).
The held-out split is seeded, so the accuracy printed here is reproducible.
"""
import datetime
import json
import os
import shutil

import numpy as np
import pandas as pd
import xgboost as xgb

DATA = os.path.join('data', 'tabular', 'breast_cancer.csv')
OUT = os.path.join('models', 'cancer-xgb')
SEED = 0
PARAMS = {'objective': 'binary:logistic', 'max_depth': 3, 'eta': 0.2, 'subsample': 0.9, 'colsample_bytree': 0.8,
          'seed': SEED, 'nthread': 1, 'eval_metric': 'logloss'}
ROUNDS = 60


def ensure_data():
    if os.path.exists(DATA):
        return
    for d in [os.environ.get('GLASSBOX_TABULAR'), os.path.join('..', 'shared', 'data', 'tabular'), '/work/shared/data/tabular']:
        if d and os.path.exists(os.path.join(d, 'breast_cancer.csv')):
            os.makedirs(os.path.dirname(DATA), exist_ok=True)
            shutil.copyfile(os.path.join(d, 'breast_cancer.csv'), DATA)
            return
    raise SystemExit(f'{DATA} not found and no shared copy: set GLASSBOX_TABULAR')


def main():
    ensure_data()
    df = pd.read_csv(DATA)
    names = [c for c in df.columns if c not in ('target', 'target_name')]
    X = df[names].to_numpy(float)
    y = df['target'].to_numpy(float)  # 0 = malignant, 1 = benign (sklearn's coding)
    rng = np.random.default_rng(SEED)
    order = rng.permutation(len(y))
    n_test = round(0.2 * len(y))
    test, train = order[:n_test], order[n_test:]
    booster = xgb.train(PARAMS, xgb.DMatrix(X[train], label=y[train], feature_names=names), ROUNDS)
    p = booster.predict(xgb.DMatrix(X[test], feature_names=names))
    accuracy = float(((p > 0.5) == (y[test] == 1)).mean())
    train_accuracy = float(((booster.predict(xgb.DMatrix(X[train], feature_names=names)) > 0.5) == (y[train] == 1)).mean())
    print(f'held-out accuracy {accuracy:.4f} on {n_test} rows (train {train_accuracy:.4f} on {len(train)})')
    os.makedirs(OUT, exist_ok=True)
    booster.save_model(os.path.join(OUT, 'model.json'))
    meta = {
        'name': 'cancer-xgb',
        'kind': 'xgboost',
        'featureNames': names,
        'classNames': ['malignant', 'benign'],
        'output': 'P(benign): the model predicts class 1 (benign); margins are log-odds of benign',
        'accuracy': round(accuracy, 4),
        'trainAccuracy': round(train_accuracy, 4),
        'testRows': int(n_test),
        'trainRows': int(len(train)),
        'heldOutRows': sorted(int(i) for i in test),
        'howTrained': f'scripts/train-demo-trees.py: xgboost {xgb.__version__} xgb.train({PARAMS}, rounds={ROUNDS}) on '
                      f'data/tabular/breast_cancer.csv; a seeded 80/20 split (numpy default_rng({SEED}).permutation)',
        'date': datetime.date.today().isoformat(),
    }
    with open(os.path.join(OUT, 'metadata.json'), 'w') as f:
        json.dump(meta, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
