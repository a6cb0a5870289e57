/** An error meant for the user: its message is printed as is, without a stack. */
export class ClearError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ClearError';
  }
}

/**
 * The container stopped under a command that needed it running (its monitor
 * or agent went away). Callers that owe runc's exact words for that case
 * (`events --stats`: "container with id X is not running") catch this.
 */
export class NotRunningError extends ClearError {
  constructor(message = 'container not running') {
    super(message);
  }
}

/** The message of any thrown value, for wrapping it with context. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
