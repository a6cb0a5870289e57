/** An error meant for the user: its message is printed as is, without a stack. */
export class ClearError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ClearError';
  }
}

/** The message of any thrown value, for wrapping it with context. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
