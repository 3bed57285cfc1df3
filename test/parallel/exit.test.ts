import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

const fixture = 'test/parallel/fixtures/parallel-call.ts';

// Workers load TypeScript however the process was started; idle pooled workers never keep it alive.
describe('worker threads and the process lifetime', () => {
  for (const [how, args] of [
    ['node --import tsx', ['--import', 'tsx', fixture]],
    ["tsx's register() (as bin/glassbox.js)", ['test/parallel/fixtures/register-like-bin.mjs']],
  ] as const) {
    it(`a process started with ${how} gets the results and exits by itself after parallel calls`, () => {
      const child = spawnSync(process.execPath, [...args], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(child.signal, null, 'the process exited before the timeout');
      assert.equal(child.status, 0, child.stderr.slice(0, 2000));
      const out = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { rows: number; workerChunks: number };
      assert.equal(out.rows, 3006);
    });
  }
});
