import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ProgressBar } from '../../src/cli/progress.js';

/** A stand-in for stderr that records what is written, as a terminal or as a pipe. */
function stream(isTTY: boolean): NodeJS.WriteStream & { text: string } {
  const s = { isTTY, text: '', write(chunk: string) { s.text += chunk; return true; } };
  return s as unknown as NodeJS.WriteStream & { text: string };
}

describe('progress bar', () => {
  it('draws on a terminal: label, bar, percentage, counts; and clears itself when done', () => {
    const out = stream(true);
    const bar = new ProgressBar('integrated-gradients', out);
    bar.update(0, 800);
    bar.update(800, 800);
    assert.match(out.text, /integrated-gradients +\[-{28}\]   0% 0\/800/);
    assert.match(out.text, /\[#{28}\] 100% 800\/800/);
    bar.done();
    assert.ok(out.text.endsWith('\r\x1b[K'));
  });

  it('stays silent in a pipe or a log', () => {
    const out = stream(false);
    const bar = new ProgressBar('occlusion', out);
    bar.update(10, 50);
    bar.done();
    assert.equal(out.text, '');
  });
});
