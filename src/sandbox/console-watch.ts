/**
 * Watches a VM's console log for a marker (the agent's ready line), so the
 * host can act the moment the guest writes it instead of at its next poll.
 * inotify (fs.watch) wakes us on each write QEMU makes to the file; only the
 * bytes added since the last look are read.
 */
import fs from 'node:fs';

export interface ConsoleWatch {
  /** Stops watching; safe to call twice. */
  close(): void;
}

/**
 * Calls `onSeen` once, when `file` contains `marker` (already, or after a
 * later write); then stops watching. A file that cannot be watched (gone,
 * not yet created) is no error: `onSeen` is then never called.
 */
export function watchConsoleFor(file: string, marker: string, onSeen: () => void): ConsoleWatch {
  let fd = -1;
  let watcher: fs.FSWatcher | null = null;
  let offset = 0;
  // The end of the text read so far, in case the marker is split between writes.
  let carry = '';
  const buf = Buffer.alloc(4096);

  const close = () => {
    watcher?.close();
    watcher = null;
    if (fd >= 0) fs.closeSync(fd);
    fd = -1;
  };
  const look = () => {
    if (fd < 0) return;
    let text = carry;
    try {
      for (;;) {
        const n = fs.readSync(fd, buf, 0, buf.length, offset);
        if (n <= 0) break;
        offset += n;
        text += buf.toString('latin1', 0, n);
      }
    } catch {
      // A hint is not worth a monitor: stop watching, the poll goes on.
      close();
      return;
    }
    if (text.includes(marker)) {
      close();
      onSeen();
      return;
    }
    carry = marker.length > 1 ? text.slice(-(marker.length - 1)) : '';
  };

  try {
    fd = fs.openSync(file, 'r');
    watcher = fs.watch(file, { persistent: false }, look);
    watcher.on('error', close);
    look();
  } catch {
    close();
  }
  return { close };
}
