// Streams a file through one reusable buffer so a capture of any size is read with bounded memory.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { NetwatchError, fileErrorText } from '../errors.js';

const DEFAULT_CHUNK = 4 * 1024 * 1024;

export class ChunkedFile {
  readonly path: string;
  readonly size: number;
  /** Bytes [pos, end) of buf are valid; buf[pos] is at file offset base + pos. */
  buf: Buffer;
  pos = 0;
  end = 0;
  base = 0;
  private fd: number;
  private eof = false;
  private readonly maxBuffer: number;

  constructor(path: string, maxRecord: number) {
    this.path = path;
    try {
      this.fd = openSync(path, 'r');
      const st = fstatSync(this.fd);
      if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      this.size = st.size;
    } catch (e) {
      throw new NetwatchError('NW_ERR_FILE_OPEN', `${path}: cannot open: ${fileErrorText(e)}`, { cause: e });
    }
    this.maxBuffer = Math.max(DEFAULT_CHUNK, maxRecord * 2);
    this.buf = Buffer.allocUnsafe(DEFAULT_CHUNK);
  }

  /** File offset of buf[pos]. */
  get offset(): number {
    return this.base + this.pos;
  }

  /** Makes n bytes available at buf[pos]; false when the file ends first. */
  ensure(n: number): boolean {
    if (this.end - this.pos >= n) return true;
    if (this.eof) return false;
    if (n > this.buf.length) {
      if (n > this.maxBuffer) return false;
      const bigger = Buffer.allocUnsafe(Math.min(this.maxBuffer, Math.max(n, this.buf.length * 2)));
      this.buf.copy(bigger, 0, this.pos, this.end);
      this.buf = bigger;
    } else if (this.pos > 0) {
      this.buf.copy(this.buf, 0, this.pos, this.end);
    }
    this.base += this.pos;
    this.end -= this.pos;
    this.pos = 0;
    while (this.end < n) {
      const got = readSync(this.fd, this.buf, this.end, this.buf.length - this.end, this.base + this.end);
      if (got === 0) {
        this.eof = true;
        return false;
      }
      this.end += got;
    }
    return true;
  }

  /** Bytes left in the file from buf[pos], read or not. */
  remaining(): number {
    return this.size - this.offset;
  }

  close(): void {
    if (this.fd >= 0) {
      closeSync(this.fd);
      this.fd = -1;
    }
  }
}
