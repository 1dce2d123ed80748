// Writes an export beside its final name and renames it into place only when the run completes,
// so a failed run never leaves a half-written file under the name the user asked for. A name that is
// not a regular file (/dev/null, /dev/stdout, a FIFO) is written directly: renaming over it would
// replace the device or pipe with a file. A symbolic link is followed, and its target replaced.

import { closeSync, constants, fstatSync, lstatSync, openSync, readlinkSync, realpathSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { NetwatchError } from '../errors.js';
import { markStdoutReaderGone, stdoutReaderGone } from './stdout-reader.js';

const FLUSH_AT = 256 * 1024;

export class ExportFile {
  readonly path: string;
  /** The partial file renamed into place at commit, or null when written directly (stdout, a device, a FIFO). */
  private readonly tmp: string | null;
  /** Where the file ends up: the path, or a symbolic link's target. */
  private readonly target: string;
  private fd: number;
  private pending = '';
  bytesWritten = 0;

  /** path "-" (or /dev/stdout, or any name of the file standard output is) writes to standard output (nothing to rename). */
  constructor(path: string) {
    this.path = path;
    if (isStandardOutput(path)) {
      this.tmp = null;
      this.target = path;
      this.fd = 1;
      return;
    }
    try {
      const target = finalTarget(path);
      if (target === null) {
        this.tmp = null;
        this.target = path;
        this.fd = openWhereItIs(path);
        return;
      }
      this.target = target;
      this.tmp = join(dirname(target), `.${basename(target)}.${process.pid}.partial`);
      this.fd = openSync(this.tmp, 'w');
    } catch (e) {
      throw new NetwatchError('NW_ERR_OUTPUT', `${path}: cannot write: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
    }
  }

  write(text: string): void {
    if (this.fd === 1 && stdoutReaderGone()) return;
    this.pending += text;
    if (this.pending.length >= FLUSH_AT) this.flush();
  }

  flush(): void {
    if (this.pending.length === 0) return;
    const buf = Buffer.from(this.pending, 'utf8');
    this.pending = '';
    let off = 0;
    while (off < buf.length) {
      try {
        off += writeSync(this.fd, buf, off);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        // stdout or a FIFO in non-blocking mode: retry the rest synchronously.
        if (code === 'EAGAIN') continue;
        if (code === 'EPIPE' && this.fd === 1) {
          // The reader of standard output has gone (`| head`): the rest is dropped and the run stops.
          markStdoutReaderGone();
          return;
        }
        throw new NetwatchError('NW_ERR_OUTPUT', `${this.path}: write failed: ${code ?? (e as Error).message}`, { cause: e });
      }
    }
    this.bytesWritten += buf.length;
  }

  /** Flushes and moves the file into place. */
  commit(): void {
    this.flush();
    if (this.fd === 1) return;
    closeSync(this.fd);
    this.fd = -1;
    if (this.tmp !== null) renameSync(this.tmp, this.target);
  }

  /** Removes the partial file; safe to call more than once. */
  abort(): void {
    if (this.fd === 1 || this.fd < 0) return;
    if (this.tmp === null) {
      try { closeSync(this.fd); } catch { /* already closed */ }
      this.fd = -1;
      return;
    }
    try { closeSync(this.fd); } catch { /* already closed */ }
    this.fd = -1;
    try { unlinkSync(this.tmp); } catch { /* already gone */ }
  }
}

/** Whether path is standard output: "-", or a name of the file descriptor 1 is (/dev/stdout, the file it was redirected to). */
export function isStandardOutput(path: string): boolean {
  if (path === '-') return true;
  try {
    const out = fstatSync(1);
    const st = statSync(path);
    return st.dev === out.dev && st.ino === out.ino && st.rdev === out.rdev;
  } catch {
    return false;
  }
}

/**
 * Opens a device or FIFO for writing. A FIFO is opened without blocking, so one nobody reads is an error
 * (ENXIO) rather than a wait before the first packet; that descriptor is the one written (a probe closed
 * again would end the reader's input), and a full pipe is waited out by flush() as for standard output.
 */
function openWhereItIs(path: string): number {
  if (!statSync(path).isFIFO()) return openSync(path, 'w');
  try {
    return openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENXIO') throw new Error('no process is reading this FIFO (start the reader first)');
    throw e;
  }
}

/**
 * The file to replace for path (a symbolic link's final target, through any chain of links), or null when
 * path exists and is not a regular file.
 */
function finalTarget(path: string): string | null {
  let p = path;
  for (let hops = 0; hops < 40; hops++) {
    let l;
    try { l = lstatSync(p); } catch { return p; }
    if (!l.isSymbolicLink()) return l.isFile() ? p : null;
    let st;
    try { st = statSync(p); } catch {
      // A link to nothing yet: follow it one step and look again (a chain may end in a missing file).
      p = resolve(dirname(p), readlinkSync(p));
      continue;
    }
    return st.isFile() ? realpathSync(p) : null;
  }
  throw new Error('too many levels of symbolic links');
}
