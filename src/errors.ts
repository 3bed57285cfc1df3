/**
 * An error a user can act on: what is wrong, and how to fix it. The CLI prints these without a stack
 * trace; anything else that escapes is a bug in Glassbox.
 */
export class GlassboxError extends Error {
  /** `usage` errors come from how Glassbox was called (CLI exit code 2); `failure` from the work itself (exit 1). */
  readonly kind: 'usage' | 'failure';
  readonly hint: string | undefined;
  /** What is wrong, without the fix (the message holds both). */
  readonly problem: string;

  constructor(message: string, hint?: string, kind: 'usage' | 'failure' = 'failure') {
    super(hint ? `${message}\n  fix: ${hint}` : message);
    this.problem = message;
    this.name = 'GlassboxError';
    this.kind = kind;
    this.hint = hint;
  }
}

/** A mistake in how a command or function was called: a bad option, a wrong shape, an unknown name. */
export class UsageError extends GlassboxError {
  constructor(message: string, hint?: string) {
    super(message, hint, 'usage');
    this.name = 'UsageError';
  }
}
