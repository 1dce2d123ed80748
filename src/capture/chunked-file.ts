// Streams a file through one reusable buffer so a capture of any size is read with bounded memory.

import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { isatty } from 'node:tty';
import { NetwatchError, fileErrorText } from '../errors.js';

const DEFAULT_CHUNK = 4 * 1024 * 1024;
/** Something to sleep on between reads of a non-blocking pipe that is empty for now. */
const PAUSE = new Int32Array(new SharedArrayBuffer(4));
/** How long a pipe whose writer keeps it full is polled finely after it runs dry. */
const FINE_MS = 1;
/** A read of a pipe this large means its writer is fast (a pipe holds 64 KiB by default). */
const FAST_READ = 16384;

/**
 * A terminal sends keystrokes, never a capture: reading one would wait silently for input nobody means
 * to type (`netwatch analyze -` with nothing piped in).
 */
function terminalText(path: string): string {
  const what = path === '-' || path === '/dev/stdin' ? 'standard input' : path;
  return `${what} is a terminal, not a capture: pipe one in, e.g. tcpdump -w - | netwatch analyze -`;
}

/**
 * The same pipe, FIFO or terminal opened again without blocking, so the reader decides how long to wait
 * for data: a blocking read cannot be interrupted by Ctrl-C (Node acts on signals between reads, and
 * the read restarts). The original descriptor is closed unless it is standard input. A socket cannot be
 * opened again (ENXIO): it stays as it is, and a quiet one holds Ctrl-C until data comes.
 */
function nonBlocking(fd: number): number {
  try {
    const nb = openSync(`/proc/self/fd/${fd}`, constants.O_RDONLY | constants.O_NONBLOCK);
    if (fd !== 0) closeSync(fd);
    return nb;
  } catch {
    return fd;
  }
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
  /**
   * How long ensure() may wait for a pipe that has nothing to give before it returns false with
   * `waiting` set (not its end: ask again). Infinity (the default) waits until data or the end comes.
   */
  maxWaitMs = Infinity;
  /** The last ensure() returned false because a pipe was quiet for maxWaitMs, not because it ended. */
  waiting = false;
  private fd: number;
  private eof = false;
  /** The last read of a pipe brought FAST_READ bytes or more. */
  private fastWriter = false;
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
      if (this.streaming) this.fd = nonBlocking(this.fd);
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
    this.waiting = false;
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
      if (got < 0) {
        this.waiting = true;
        return false;
      }
      if (got === 0) {
        this.eof = true;
        return false;
      }
      this.end += got;
    }
    return true;
  }

  /** Bytes read into buf at end; 0 at the end of the file; -1 when a pipe stayed empty for maxWaitMs. */
  private read(): number {
    if (!this.streaming) return readSync(this.fd, this.buf, this.end, this.buf.length - this.end, this.base + this.end);
    let waited = 0;
    for (;;) {
      try {
        const got = readSync(this.fd, this.buf, this.end, this.buf.length - this.end, null);
        // A large read: a writer that fills the pipe about as fast as this reader empties it.
        this.fastWriter = got >= FAST_READ;
        return got;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
        if (waited >= this.maxWaitMs) return -1;
        // A fast writer is looked for again within microseconds, so it is not held up by a full pipe
        // (64 KiB); a slow or quiet one every 2 ms, then every 10, at little cost.
        const slice = this.fastWriter && waited < FINE_MS ? 0.05 : waited < 20 ? 2 : 10;
        Atomics.wait(PAUSE, 0, 0, slice);
        waited += slice;
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
