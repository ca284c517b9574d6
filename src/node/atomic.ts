// Crash-safe file writes and checked reads for model files, checkpoints and datasets.
// A write goes to a unique temporary file in the target's folder (same file system, so the
// rename is atomic), is fsynced, then renamed over the target; a crash or error at any point
// leaves either the old file or the new one, never a torn mix.

import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { DataFormatError, ModelFileError } from '../errors.js';

export interface AtomicWriteOptions {
  /** Test hook: runs after the temporary file is written and fsynced, before the rename.
   * Throwing here simulates a failure at the last moment. */
  beforeRename?: (tempPath: string) => void;
}

const describe = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Writes `bytes` to `path` atomically. Throws ModelFileError naming the path on failure,
 * after removing the temporary file; the previous content of `path` is untouched. */
export function writeFileAtomic(path: string, bytes: Uint8Array, options: AtomicWriteOptions = {}): void {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number | undefined;
  let created = false;
  try {
    fd = openSync(temp, 'wx', 0o644);
    created = true;
    let done = 0;
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    options.beforeRename?.(temp);
    renameSync(temp, path);
    created = false;
  } catch (e) {
    if (fd !== undefined) {
      try { closeSync(fd); } catch { /* already failing; the original error matters */ }
    }
    if (created) {
      try { unlinkSync(temp); } catch { /* gone already */ }
    }
    throw new ModelFileError(`cannot write ${path}: ${describe(e)}`, { file: path });
  }
  // Persist the rename itself. Not every platform can open or fsync a directory (Windows):
  // the data is already safe in the file, so a failure here is not an error.
  try {
    const dfd = openSync(dir, 'r');
    try { fsyncSync(dfd); } finally { closeSync(dfd); }
  } catch { /* best effort */ }
}

/** Reads a whole file. A missing or unreadable file throws DataFormatError (kind 'data') or
 * ModelFileError (kind 'model') naming the path. */
export function readFileChecked(path: string, kind: 'data' | 'model' = 'data'): Uint8Array {
  try {
    const buf = readFileSync(path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    const msg = readProblem(path, e);
    throw kind === 'model' ? new ModelFileError(msg, { file: path }) : new DataFormatError(msg, { file: path });
  }
}

/** What went wrong opening or reading `path`, in words a user can act on. */
export function readProblem(path: string, e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? `file not found: ${path}` :
    code === 'EISDIR' ? `expected a file, found a directory: ${path}` :
    `cannot read ${path}: ${describe(e)}`;
}
