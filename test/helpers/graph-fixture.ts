import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mlpFixture } from './mlp.js';

/**
 * Writes the reference MLP as a TF.js graph model (the GraphDef JSON that tensorflowjs_converter emits):
 * x -> MatMul(W1) -> BiasAdd(b1) -> Tanh ("hidden") -> MatMul(W2) -> BiasAdd(b2) ("logits").
 * Returns the model.json path.
 */
export function writeGraphMlp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'glassbox-graph-'));
  const p = mlpFixture.params;
  const t = (w: number[][]) => w[0].map((_, j) => w.map((row) => row[j]));
  const weights: [string, number[], number[]][] = [
    ['w1', [4, 8], t(p['l1.weight'] as number[][]).flat()],
    ['b1', [8], p['l1.bias'] as number[]],
    ['w2', [8, 3], t(p['l2.weight'] as number[][]).flat()],
    ['b2', [3], p['l2.bias'] as number[]],
  ];
  const float = { type: 'DT_FLOAT' };
  const constNode = (name: string, shape: number[]) => ({
    name, op: 'Const',
    attr: { value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: shape.map((s) => ({ size: String(s) })) } } }, dtype: float },
  });
  const node = (name: string, op: string, input: string[], attr: Record<string, unknown> = {}) => ({ name, op, input, attr: { T: float, ...attr } });
  const topology = {
    node: [
      { name: 'x', op: 'Placeholder', attr: { dtype: float, shape: { shape: { dim: [{ size: '-1' }, { size: '4' }] } } } },
      ...weights.map(([name, shape]) => constNode(name, shape)),
      node('mm1', 'MatMul', ['x', 'w1'], { transpose_a: { b: false }, transpose_b: { b: false } }),
      node('pre', 'BiasAdd', ['mm1', 'b1']),
      node('hidden', 'Tanh', ['pre']),
      node('mm2', 'MatMul', ['hidden', 'w2'], { transpose_a: { b: false }, transpose_b: { b: false } }),
      node('logits', 'BiasAdd', ['mm2', 'b2']),
    ],
    library: {},
    versions: { producer: 1 },
  };
  const data = Float32Array.from(weights.flatMap(([, , values]) => values));
  writeFileSync(join(dir, 'weights.bin'), new Uint8Array(data.buffer));
  writeFileSync(join(dir, 'model.json'), JSON.stringify({
    format: 'graph-model',
    generatedBy: 'test fixture',
    modelTopology: topology,
    weightsManifest: [{ paths: ['weights.bin'], weights: weights.map(([name, shape]) => ({ name, shape, dtype: 'float32' })) }],
  }));
  return join(dir, 'model.json');
}
