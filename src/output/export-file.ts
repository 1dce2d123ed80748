// Writes an export beside its final name and renames it into place only when the run completes,
// so a failed run never leaves a half-written file under the name the user asked for.

import { closeSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { NetwatchError } from '../errors.js';
import { markStdoutReaderGone, stdoutReaderGone } from './stdout-reader.js';

const FLUSH_AT = 256 * 1024;

export class ExportFile {
  readonly path: string;
  private readonly tmp: string | null;
  private fd: number;
  private pending = '';
  bytesWritten = 0;

  /** path "-" writes to standard output (nothing to rename). */
  constructor(path: string) {
    this.path = path;
    if (path === '-') {
      this.tmp = null;
      this.fd = 1;
      return;
    }
    this.tmp = join(dirname(path), `.${basename(path)}.${process.pid}.partial`);
    try {
      this.fd = openSync(this.tmp, 'w');
    } catch (e) {
      throw new NetwatchError('NW_ERR_OUTPUT', `${path}: cannot write: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
    }
  }

  write(text: string): void {
    if (this.tmp === null && stdoutReaderGone()) return;
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
        // stdout in non-blocking mode (a pipe): retry the rest synchronously.
        if (code === 'EAGAIN') continue;
        if (code === 'EPIPE' && this.tmp === null) {
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
    if (this.tmp === null) return;
    closeSync(this.fd);
    this.fd = -1;
    renameSync(this.tmp, this.path);
  }

  /** Removes the partial file; safe to call more than once. */
  abort(): void {
    if (this.tmp === null || this.fd < 0) return;
    try { closeSync(this.fd); } catch { /* already closed */ }
    this.fd = -1;
    try { unlinkSync(this.tmp); } catch { /* already gone */ }
  }
}
