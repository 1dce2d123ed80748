// Streams a file through one reusable buffer so a capture of any size is read with bounded memory.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { isatty } from 'node:tty';
import { NetwatchError, fileErrorText } from '../errors.js';

const DEFAULT_CHUNK = 4 * 1024 * 1024;
/** Something to sleep on between reads of a non-blocking pipe that is empty for now. */
const PAUSE = new Int32Array(new SharedArrayBuffer(4));

/**
 * A terminal sends keystrokes, never a capture: reading one would wait silently for input nobody means
 * to type (`netwatch analyze -` with nothing piped in).
 */
function terminalText(path: string): string {
  const what = path === '-' || path === '/dev/stdin' ? 'standard input' : path;
  return `${what} is a terminal, not a capture: pipe one in, e.g. tcpdump -w - | netwatch analyze -`;
}

export class ChunkedFile {
  readonly path: string;
  /** Bytes in the file; 0 for a pipe, FIFO or terminal, whose length is not known. */
  readonly size: number;
  /** A pipe, FIFO or device read in order (no positional reads): `-` (standard input), <(zcat f.pcap.gz). */
  readonly streaming: boolean;
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
      // Standard input as the descriptor it is: opening /dev/stdin fails when it is a socket (ENXIO).
      this.fd = path === '-' || path === '/dev/stdin' ? 0 : openSync(path, 'r');
      const st = fstatSync(this.fd);
      if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      if (st.isCharacterDevice() && isatty(this.fd)) throw new NetwatchError('NW_ERR_FILE_OPEN', terminalText(path));
      this.streaming = !st.isFile() && !st.isBlockDevice();
      this.size = this.streaming ? 0 : st.size;
    } catch (e) {
      if (e instanceof NetwatchError) throw e;
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
      const got = this.read();
      if (got === 0) {
        this.eof = true;
        return false;
      }
      this.end += got;
    }
    return true;
  }

  private read(): number {
    if (!this.streaming) return readSync(this.fd, this.buf, this.end, this.buf.length - this.end, this.base + this.end);
    for (;;) {
      try {
        return readSync(this.fd, this.buf, this.end, this.buf.length - this.end, null);
      } catch (e) {
        // A descriptor left non-blocking by whoever started us: wait for the writer rather than fail.
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
        Atomics.wait(PAUSE, 0, 0, 5);
      }
    }
  }

  close(): void {
    if (this.fd > 0) {
      closeSync(this.fd);
      this.fd = -1;
    }
  }
}
