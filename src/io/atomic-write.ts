import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { GlassboxError } from '../errors.js';

/**
 * Writes a file so that readers see either the old file or the whole new one, never half of it:
 * the bytes go to a temporary file in the same folder, which is then renamed over the target.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const dir = dirname(path);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new GlassboxError(`cannot create the output folder ${dir}: ${(err as Error).message}`,
      'choose a folder you can write to (--out)');
  }
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new GlassboxError(`cannot write ${path}: ${(err as Error).message}`,
      'check that the folder exists, is writable and has free space');
  }
}
