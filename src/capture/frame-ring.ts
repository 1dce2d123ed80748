// Single-producer single-consumer ring of frames in a SharedArrayBuffer: the capture worker writes,
// the analysis thread reads in place; when full the frame is dropped and counted, never waited for.

import type { RawFrame } from './raw-frame.js';

/** Indexes into the Int32 control block. */
const WRITE = 0;
const READ = 1;
const READER_WAITING = 2;
/** 1 once the producer has published libpcap's own counters (pcap_stats). */
const KERNEL_VALID = 3;
/** Sequence lock over the published counters (after the last counter pair, 14-15): odd while the producer writes. */
const SEQ = 16;
/** Counters published as two Int32 halves at [i, i + 1] (value = hi * 2^30 + lo) so they never wrap. */
const SEEN_LO = 4;
const DROPS_LO = 6;
const DROP_BYTES_LO = 8;
const KERNEL_RECV_LO = 10;
const KERNEL_DROP_LO = 12;
const KERNEL_IFDROP_LO = 14;
const CONTROL_INTS = 24;

const HEADER = 16;
const WRAP_MARK = -1;
const HALF = 1 << 30;

export interface FrameRingBuffers {
  control: SharedArrayBuffer;
  data: SharedArrayBuffer;
}

export interface RingCounters {
  /** Frames the producer saw (stored or dropped). */
  seen: number;
  /** Frames dropped because the ring was full, and their bytes. */
  drops: number;
  dropBytes: number;
  /** libpcap's pcap_stats: packets the kernel passed the filter, dropped for lack of buffer, dropped by the interface. */
  kernel: { received: number; dropped: number; ifDropped: number } | null;
}

/** Writes a counter's two halves inside the sequence lock, so a reader never sees half an update. */
function publish(ctl: Int32Array, lo: number, value: number): void {
  Atomics.add(ctl, SEQ, 1);
  Atomics.store(ctl, lo + 1, Math.floor(value / HALF));
  Atomics.store(ctl, lo, value % HALF);
  Atomics.add(ctl, SEQ, 1);
}

/** Reads the counters with `read` until no write happened meanwhile. */
function consistent<T>(ctl: Int32Array, read: () => T): T {
  for (;;) {
    const s1 = Atomics.load(ctl, SEQ);
    if ((s1 & 1) !== 0) continue;
    const v = read();
    if (Atomics.load(ctl, SEQ) === s1) return v;
  }
}

function readHalves(ctl: Int32Array, lo: number): number {
  return Atomics.load(ctl, lo + 1) * HALF + Atomics.load(ctl, lo);
}

export function createFrameRing(sizeBytes: number): FrameRingBuffers {
  if (sizeBytes < 65536 * 2 || (sizeBytes & (sizeBytes - 1)) !== 0 || sizeBytes > HALF) {
    throw new RangeError(`ring size must be a power of two between 128 KiB and 1 GiB, got ${sizeBytes}`);
  }
  return {
    control: new SharedArrayBuffer(CONTROL_INTS * 4),
    data: new SharedArrayBuffer(sizeBytes),
  };
}

/** Rounds a size in MiB up to the power of two the ring needs. */
export function ringBytesForMiB(mib: number): number {
  let size = 1 << 17;
  while (size < mib * 1024 * 1024 && size < HALF) size *= 2;
  return size;
}

export class FrameRingWriter {
  private readonly ctl: Int32Array;
  private readonly hdr: Int32Array;
  private readonly bytes: Buffer;
  private readonly size: number;
  private readonly mask: number;
  private write = 0;
  private seen = 0;
  private drops = 0;
  private dropBytes = 0;

  constructor(bufs: FrameRingBuffers) {
    this.ctl = new Int32Array(bufs.control);
    this.hdr = new Int32Array(bufs.data);
    this.bytes = Buffer.from(bufs.data);
    this.size = bufs.data.byteLength;
    this.mask = this.size - 1;
  }

  /** Publishes libpcap's counters for the reader (called on an interval, not per packet). */
  publishKernelStats(received: number, dropped: number, ifDropped: number): void {
    publish(this.ctl, KERNEL_RECV_LO, received);
    publish(this.ctl, KERNEL_DROP_LO, dropped);
    publish(this.ctl, KERNEL_IFDROP_LO, ifDropped);
    Atomics.store(this.ctl, KERNEL_VALID, 1);
  }

  /** Copies one frame in; false (and counted) when the ring has no room. */
  push(src: Buffer, capLen: number, wireLen: number, tsSec: number, tsNsec: number): boolean {
    this.seen++;
    const need = (HEADER + capLen + 7) & ~7;
    const read = Atomics.load(this.ctl, READ);
    const used = (this.write - read) >>> 0;
    let idx = this.write & this.mask;
    const contiguous = this.size - idx;
    let skip = 0;
    if (contiguous < need) skip = contiguous;
    if (used + skip + need > this.size) {
      this.drops++;
      this.dropBytes += capLen;
      publish(this.ctl, DROPS_LO, this.drops);
      publish(this.ctl, DROP_BYTES_LO, this.dropBytes);
      publish(this.ctl, SEEN_LO, this.seen);
      return false;
    }
    if (skip > 0) {
      this.hdr[idx >> 2] = WRAP_MARK;
      this.write = (this.write + skip) >>> 0;
      idx = 0;
    }
    const h = idx >> 2;
    this.hdr[h] = capLen;
    this.hdr[h + 1] = wireLen;
    this.hdr[h + 2] = tsSec;
    this.hdr[h + 3] = tsNsec;
    // Buffer.copy takes the length directly: no view is made per packet.
    src.copy(this.bytes, idx + HEADER, 0, capLen);
    this.write = (this.write + need) >>> 0;
    Atomics.store(this.ctl, WRITE, this.write | 0);
    publish(this.ctl, SEEN_LO, this.seen);
    if (Atomics.load(this.ctl, READER_WAITING) !== 0) {
      Atomics.store(this.ctl, READER_WAITING, 0);
      Atomics.notify(this.ctl, WRITE);
    }
    return true;
  }
}

export class FrameRingReader {
  private readonly ctl: Int32Array;
  private readonly hdr: Int32Array;
  private readonly bytes: Uint8Array;
  private readonly size: number;
  private readonly mask: number;
  private read = 0;
  private released = 0;
  private count = 0;
  linkType = 1;

  constructor(bufs: FrameRingBuffers) {
    this.ctl = new Int32Array(bufs.control);
    this.hdr = new Int32Array(bufs.data);
    this.bytes = new Uint8Array(bufs.data);
    this.size = bufs.data.byteLength;
    this.mask = this.size - 1;
  }

  /** Fills frame with the next stored frame, in place in shared memory; false when the ring is empty. */
  next(frame: RawFrame): boolean {
    for (;;) {
      const write = Atomics.load(this.ctl, WRITE) >>> 0;
      if (this.read === write) return false;
      const idx = this.read & this.mask;
      const h = idx >> 2;
      const capLen = this.hdr[h];
      if (capLen === WRAP_MARK) {
        this.read = (this.read + this.size - idx) >>> 0;
        continue;
      }
      frame.data = this.bytes;
      frame.offset = idx + HEADER;
      frame.capLen = capLen;
      frame.wireLen = this.hdr[h + 1];
      frame.tsSec = this.hdr[h + 2] >>> 0;
      frame.tsNsec = this.hdr[h + 3];
      frame.linkType = this.linkType;
      frame.index = ++this.count;
      this.read = (this.read + ((HEADER + capLen + 7) & ~7)) >>> 0;
      return true;
    }
  }

  /** Hands every frame read so far back to the writer; the frames' bytes may be overwritten after this. */
  release(): void {
    if (this.released !== this.read) {
      this.released = this.read;
      Atomics.store(this.ctl, READ, this.read | 0);
    }
  }

  /** Bytes stored and not yet released. */
  occupancy(): number {
    return ((Atomics.load(this.ctl, WRITE) >>> 0) - this.released) >>> 0;
  }

  get capacity(): number {
    return this.size;
  }

  counters(): RingCounters {
    const ctl = this.ctl;
    return consistent(ctl, () => ({
      seen: readHalves(ctl, SEEN_LO),
      drops: readHalves(ctl, DROPS_LO),
      dropBytes: readHalves(ctl, DROP_BYTES_LO),
      kernel: Atomics.load(ctl, KERNEL_VALID) === 1
        ? { received: readHalves(ctl, KERNEL_RECV_LO), dropped: readHalves(ctl, KERNEL_DROP_LO), ifDropped: readHalves(ctl, KERNEL_IFDROP_LO) }
        : null,
    }));
  }

  /** Resolves when the writer has stored something new, or after timeoutMs. */
  async waitForData(timeoutMs: number): Promise<void> {
    Atomics.store(this.ctl, READER_WAITING, 1);
    const seenWrite = Atomics.load(this.ctl, WRITE);
    if ((seenWrite >>> 0) !== this.read) {
      Atomics.store(this.ctl, READER_WAITING, 0);
      return;
    }
    const r = Atomics.waitAsync(this.ctl, WRITE, seenWrite, timeoutMs);
    if (r.async) await r.value;
  }
}
