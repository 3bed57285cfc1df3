import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExactShapley } from '../../../src/attribution/coalition/exact-shapley.js';
import { KernelShap } from '../../../src/attribution/coalition/kernel-shap.js';
import { TabularGame } from '../../../src/attribution/coalition/tabular-game.js';
import { fromRows } from '../../../src/tabular/matrix.js';
import { goldenBackground, goldenCase, logisticModel, mlpTabular } from './models.js';

/** |a - b| <= atol + rtol |b|, element by element (the golden cases' own tolerance). */
function assertAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number, rtol: number, label: string): void {
  assert.equal(actual.length, expected.length, label);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= atol + rtol * Math.abs(expected[i]), `${label}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

const zeros = fromRows([[0, 0, 0, 0]]);

test('KernelShap equals shap KernelExplainer on the reference MLP (mlp/shap_kernel_exact: zero background, nsamples auto, l1_reg False)', async () => {
  const g = goldenCase('mlp/shap_kernel_exact');
  const model = mlpTabular();
  const targets = g.target as number[];
  for (let r = 0; r < g.inputs.length; r++) {
    const e = await new KernelShap(model).explain(fromRows([g.inputs[r]]), { background: zeros, target: targets[r] });
    assertAllClose(e.attributions[0], (g.output as number[][])[r], 1e-10, 1e-9, `row ${r}`);
    assert.ok(Math.abs(e.baseValues[0] - (g.expected_value as number[])[targets[r]]) < 1e-12, 'expected value');
    assert.equal(e.extras?.[0].exact, true, 'all 14 coalitions enumerated');
    assert.ok(Math.abs(e.efficiencyGaps()[0]) < 1e-12);
    assert.deepEqual(e.standardErrors?.[0], [0, 0, 0, 0], 'no sampling error when every coalition is evaluated');
  }
});

test('ExactShapley equals the brute-force reference (mlp/exact_shapley), coalition by coalition', async () => {
  const g = goldenCase('mlp/exact_shapley');
  const model = mlpTabular();
  const targets = g.target as number[];
  const coalitionValues = JSON.parse(JSON.stringify(g.coalition_values)) as number[][];
  for (let r = 0; r < g.inputs.length; r++) {
    const e = await new ExactShapley(model).explain(fromRows([g.inputs[r]]), { background: zeros, target: targets[r] });
    assertAllClose(e.attributions[0], (g.output as number[][])[r], 1e-10, 1e-9, `row ${r}`);
    assert.ok(Math.abs(e.efficiencyGaps()[0]) < 1e-12);
    // The game's 16 values: bit i of the index set <=> feature i taken from x.
    const game = new TabularGame(model, g.inputs[r], { background: zeros, target: targets[r] });
    const masks = new Uint8Array(16 * 4);
    for (let c = 0; c < 16; c++) for (let i = 0; i < 4; i++) masks[c * 4 + i] = (c >> i) & 1;
    assertAllClose(await game.value(masks, 16), coalitionValues[r], 1e-12, 1e-12, `coalition values row ${r}`);
  }
});

test("ExactShapley agrees with Captum's ShapleyValues (mlp/captum_shapley_values, float32 model, 2.3e-8 apart)", async () => {
  const g = goldenCase('mlp/captum_shapley_values');
  const targets = g.target as number[];
  for (let r = 0; r < g.inputs.length; r++) {
    const e = await new ExactShapley(mlpTabular()).explain(fromRows([g.inputs[r]]), { background: zeros, target: targets[r] });
    assertAllClose(e.attributions[0], (g.output as number[][])[r], 1e-7, 0, `row ${r}`);
  }
});

test('KernelShap equals shap on breast cancer in logit space with a k-means background (tabular/shap_kernel_logit_l1false, nsamples 2048)', async () => {
  const g = goldenCase('tabular/shap_kernel_logit_l1false');
  const { background, weights } = goldenBackground();
  const e = await new KernelShap(logisticModel('margin')).explain(fromRows(g.inputs), { background, backgroundWeights: weights, nsamples: 2048, seed: 1 });
  // shap's coalitions came from numpy's generator, ours from Glassbox's; for a linear model every
  // sample of coalitions gives the exact values, so the two agree to rounding.
  assertAllClose(e.attributions[0], g.output as number[], 1e-10, 1e-9, 'values');
  assertAllClose(e.attributions[0], JSON.parse(JSON.stringify(g.analytic_exact)) as number[], 1e-10, 1e-9, 'analytic values');
  assert.ok(Math.abs(e.baseValues[0] - (g.expected_value as number)) < 1e-12);
  assert.ok(Math.abs(e.predictions[0] - (g.fx as number)) < 1e-12);
  assert.equal(e.extras?.[0].enumerated, 60, 'sizes 1 and 29 enumerated (60 coalitions), as shap plans 2048 samples for 30 features');
  assert.equal(e.extras?.[0].coalitions, 2048);
  assert.ok(Math.abs(e.efficiencyGaps()[0]) < 1e-12);
});
