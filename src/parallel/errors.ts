import { GlassboxError, UsageError } from '../errors.js';
import type { SerializedError } from './protocol.js';

export function serializeError(err: unknown): SerializedError {
  if (err instanceof GlassboxError) {
    const suffix = err.hint ? `\n  fix: ${err.hint}` : '';
    const message = suffix && err.message.endsWith(suffix) ? err.message.slice(0, -suffix.length) : err.message;
    return { name: err.name, message, ...(err.hint !== undefined ? { hint: err.hint } : {}), kind: err.kind };
  }
  if (err instanceof Error) return { name: err.name, message: err.message, ...(err.stack ? { stack: err.stack } : {}) };
  return { name: 'Error', message: String(err) };
}

/** The error a worker reported, as the same class the calling thread would have thrown. */
export function deserializeError(e: SerializedError): Error {
  if (e.kind === 'usage') return new UsageError(e.message, e.hint);
  if (e.kind === 'failure') return new GlassboxError(e.message, e.hint);
  const err = new Error(`${e.message} (in a worker thread)`);
  err.name = e.name;
  if (e.stack) err.stack = `${err.name}: ${err.message}\n${e.stack.split('\n').slice(1).join('\n')}`;
  return err;
}
