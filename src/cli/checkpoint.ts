/**
 * `clear-runtime checkpoint` / `restore`: not supported. runc checkpoints a
 * container's processes with CRIU; a clear container's processes live in a
 * VM's memory, which CRIU cannot save or restore. Both fail with exit 1
 * whatever their flags, saying so (runc's error reporting).
 */
import { ClearError } from '../lib/errors';
import { runCommand } from './global';
import type { GlobalOptions } from './main';

export function runCheckpoint(which: 'checkpoint' | 'restore', _argv: string[], g: GlobalOptions): Promise<number> {
  return runCommand(g, async () => {
    throw new ClearError(`${which} is not supported by clear: a VM's memory cannot be ${which === 'checkpoint' ? 'saved' : 'restored'} by CRIU`);
  });
}
