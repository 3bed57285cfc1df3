import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import type { ProjectionJson } from '../../src/cli/project.js';
import type { NeighborsQueryJson } from '../../src/cli/neighbors.js';
import { pca } from '../../src/embedding/projection/pca.js';
import { Random } from '../../src/util/random.js';

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), warn: (l) => err.push(l) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

// Three well-separated Gaussian clusters in 8-D, 40 points each, with a label column.
const N = 120;
const DIM = 8;
const vectors: number[][] = [];
const labels: string[] = [];
{
  const random = new Random(5);
  for (let i = 0; i < N; i++) {
    const c = i % 3;
    vectors.push(Array.from({ length: DIM }, (_, d) => (d === c ? 6 : 0) + random.normal() * 0.5));
    labels.push(['red', 'green', 'blue'][c]);
  }
}

function distance(a: number[], b: number[]): number {
  return Math.sqrt(a.reduce((s, v, d) => s + (v - b[d]) ** 2, 0));
}

describe('glassbox project and neighbors', () => {
  let dir: string;
  let tsv: string;
  let meta: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'glassbox-project-'));
    tsv = join(dir, 'vectors.tsv');
    meta = join(dir, 'labels.tsv');
    writeFileSync(tsv, vectors.map((v) => v.join('\t')).join('\n'));
    writeFileSync(meta, ['label\tindex', ...labels.map((l, i) => `${l}\t${i}`)].join('\n'));
  });

  it('projects with PCA to the library\'s coordinates, with quality figures', async () => {
    const r = await run('project', '--embeddings', tsv, '--metadata', meta, '--method', 'pca', '--format', 'json');
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(r.stdout) as ProjectionJson;
    assert.equal(json.method, 'pca');
    assert.equal(json.coordinates.length, N);
    const expected = pca({ count: N, dim: DIM, vectors: Float32Array.from(vectors.flat()), metadata: {} });
    json.coordinates.forEach(([x, y], i) => {
      assert.ok(Math.abs(x - expected.coordinates[2 * i]) < 1e-5 && Math.abs(y - expected.coordinates[2 * i + 1]) < 1e-5, `point ${i}`);
    });
    // Separated clusters keep their neighbourhoods in any sensible projection.
    assert.ok(json.trustworthiness > 0.9 && json.trustworthiness <= 1, `trustworthiness ${json.trustworthiness}`);
    assert.ok(json.continuity > 0.9 && json.continuity <= 1);
    assert.match(r.stderr, /pca: .* trustworthiness/);
  });

  it('writes a projector page with every method asked for, and a PNG scatter', async () => {
    const page = join(dir, 'projector.html');
    const r = await run('project', '--embeddings', tsv, '--metadata', meta, '--method', 'tsne,umap', '--perplexity', '10', '--format', 'html', '--out', page);
    assert.equal(r.code, 0, r.stderr);
    const html = readFileSync(page, 'utf8');
    const metaJson = JSON.parse(html.match(/<script id="gb-meta" type="application\/json">(.*?)<\/script>/s)![1]) as { projections: { name: string }[]; count: number; neighbors: { k: number } };
    assert.deepEqual(metaJson.projections.map((p) => p.name), ['t-SNE 2-D', 'UMAP 2-D']);
    assert.equal(metaJson.count, N);
    assert.equal(metaJson.neighbors.k, 10);
    const png = join(dir, 'scatter.png');
    assert.equal((await run('project', '--embeddings', tsv, '--metadata', meta, '--method', 'umap', '--format', 'png', '--out', png)).code, 0);
    assert.deepEqual([...readFileSync(png).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  });

  it('finds the nearest rows as brute force does, leaving the query row out, with metadata', async () => {
    const r = await run('neighbors', '--embeddings', tsv, '--metadata', meta, '--query', '4,7', '--k', '5');
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(r.stdout) as { queries: NeighborsQueryJson[] };
    for (const q of json.queries) {
      const row = q.query as number;
      const brute = vectors.map((v, i) => ({ i, d: distance(v, vectors[row]) })).filter((e) => e.i !== row).sort((a, b) => a.d - b.d).slice(0, 5);
      assert.deepEqual(q.neighbors.map((n) => n.index), brute.map((b) => b.i));
      q.neighbors.forEach((n, j) => assert.ok(Math.abs(n.distance - brute[j].d) < 1e-4));
      assert.ok(q.neighbors.every((n) => n.metadata.label === labels[row]), 'neighbours in a separated cluster share its label');
    }
    const approximate = JSON.parse((await run('neighbors', '--embeddings', tsv, '--query', '4,7', '--k', '5', '--approximate')).stdout) as { queries: NeighborsQueryJson[] };
    assert.deepEqual(approximate.queries.map((q) => q.neighbors.map((n) => n.index)), json.queries.map((q) => q.neighbors.map((n) => n.index)));
  });

  it('takes query vectors from a file', async () => {
    const queries = join(dir, 'queries.tsv');
    writeFileSync(queries, `${vectors[10].join('\t')}\n`);
    const json = JSON.parse((await run('neighbors', '--embeddings', tsv, '--query', queries, '--k', '1')).stdout) as { queries: NeighborsQueryJson[] };
    assert.equal(json.queries[0].neighbors[0].index, 10, 'a vector finds its own row first');
    assert.ok(json.queries[0].neighbors[0].distance < 1e-5);
  });

  it('bad input: clear usage errors', async () => {
    const cases: [string[], RegExp][] = [
      [['project', '--embeddings', tsv, '--method', 'isomap'], /unknown --method "isomap"/],
      [['project', '--embeddings', tsv, '--method', 'tsne', '--perplexity', '500'], /perplexity/],
      [['project', '--embeddings', tsv, '--metadata', meta, '--color-by', 'class', '--format', 'svg'], /--color-by "class" is not a metadata column/],
      [['project', '--embeddings', tsv, '--format', 'png'], /--format png needs --out/],
      [['project', '--embeddings', tsv, '--method', 'pca,umap', '--format', 'svg'], /draws one projection/],
      [['project', '--embeddings', join(dir, 'missing.tsv')], /does not exist/],
      [['neighbors', '--embeddings', tsv, '--query', '0', '--k', String(N)], /more than the 119 points/],
      [['neighbors', '--embeddings', tsv, '--query', '500', '--k', '3'], /row 500 is outside the 120 points/],
      [['neighbors', '--embeddings', tsv, '--query', 'nowhere.tsv'], /neither row numbers nor a file/],
    ];
    for (const [argv, message] of cases) {
      const r = await run(...argv);
      assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message, argv.join(' '));
      assert.match(r.stderr, /fix:/);
    }
  });
});
