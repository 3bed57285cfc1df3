import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { UsageError } from './errors.js';
import { installKernelFixes } from './models/tfjs-kernel-fixes.js';

export type BackendName = 'wasm' | 'cpu';
export const BACKENDS: readonly BackendName[] = ['wasm', 'cpu'];

// tfjs' cpu backend tells Node users to install tfjs-node, which cannot be used here; prod mode
// silences that and skips debug-only checks.
tf.enableProdMode();
installKernelFixes();

/**
 * Selects the TF.js backend. wasm (XNNPACK with SIMD) is 7-20x faster than the pure-JS cpu backend;
 * cpu has every kernel, and is the fallback when wasm lacks one.
 */
export async function useBackend(name: BackendName = 'wasm'): Promise<void> {
  if (!BACKENDS.includes(name)) {
    throw new UsageError(`unknown backend "${name}"`, `choose one of: ${BACKENDS.join(', ')}`);
  }
  if (tf.getBackend() === name) return;
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`the ${name} backend failed to initialise`);
  await tf.ready();
}

export function activeBackend(): string {
  return tf.getBackend();
}

/** True when an error is TF.js saying that the active backend has no kernel for an op. */
export function isMissingKernel(err: unknown): err is Error {
  return err instanceof Error && /not registered|not yet implemented|is not implemented/i.test(err.message);
}
