// pcapng files: sections in either byte order, many interfaces with their own link types and timestamp
// resolutions, Enhanced/Simple/obsolete Packet blocks; every other block is skipped.

import { NetwatchError } from '../errors.js';
import { ChunkedFile } from './chunked-file.js';
import { MAX_PACKET_SEC, MAX_RECORD_CAPLEN, type FrameReader } from './frame-reader.js';
import type { RawFrame } from './raw-frame.js';

export const PCAPNG_SHB = 0x0a0d0d0a;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const IDB = 1;
const OPB = 2;
const SPB = 3;
const EPB = 6;
const OPT_END = 0;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;
/** Wireshark's limit on one block; a larger length is a corrupt header, not a packet. */
export const MAX_BLOCK = 16 * 1024 * 1024;
const MAX_INTERFACES = 65536;

/** One interface's link type and how to turn its 64-bit timestamp units into seconds and nanoseconds. */
class InterfaceInfo {
  constructor(
    readonly linkType: number,
    readonly snaplen: number,
    /** Units per second (10^n or 2^n). */
    readonly unitsPerSec: number,
    readonly tsOffsetSec: number,
  ) {}
}

/** Thrown inside the reader at a corrupt block, caught by next(): the reading stops there. */
class CorruptBlock extends Error {}

export class PcapngReader implements FrameReader {
  readonly format = 'pcapng' as const;
  cutAt = -1;
  damage: string | null = null;
  badTimestamps = 0;
  timesOutOfRange = 0;
  private readonly file: ChunkedFile;
  private le = true;
  private interfaces: InterfaceInfo[] = [];
  private count = 0;
  private lastSec = 0;
  private lastNsec = 0;
  /** Scratch for the 64-bit division: [quotient, remainder]. */
  private readonly qr = new Float64Array(2);

  constructor(file: ChunkedFile) {
    this.file = file;
    // A first block without the byte-order magic is no pcapng (exit 2 before any file is read), not one damaged part way.
    if (file.ensure(12) && file.buf.readUInt32LE(8) !== BYTE_ORDER_MAGIC && file.buf.readUInt32BE(8) !== BYTE_ORDER_MAGIC) {
      throw new NetwatchError('NW_ERR_FILE_FORMAT', `${file.path}: not a capture file: pcapng section header has no byte-order magic at offset 8`);
    }
  }

  get path(): string { return this.file.path; }
  get size(): number { return this.file.size; }
  get streaming(): boolean { return this.file.streaming; }
  get maxWaitMs(): number { return this.file.maxWaitMs; }
  set maxWaitMs(ms: number) { this.file.maxWaitMs = ms; }
  get waiting(): boolean { return this.file.waiting; }
  get bytesRead(): number { return this.file.offset; }
  /** Interfaces of the current section (for tests and summaries). */
  get interfaceLinkTypes(): number[] { return this.interfaces.map((i) => i.linkType); }

  private u16(p: number): number {
    const b = this.file.buf;
    return this.le ? b[p] | (b[p + 1] << 8) : (b[p] << 8) | b[p + 1];
  }

  private u32(p: number): number {
    const b = this.file.buf;
    return this.le
      ? (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0
      : ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
  }

  /** The file ends inside a block: a warning after packets, but a file cut inside its first header is no capture (as for pcap). */
  private cutShort(): void {
    const f = this.file;
    if (f.offset === 0) {
      throw new NetwatchError('NW_ERR_FILE_FORMAT', `${f.path}: not a capture file: pcapng section header cut short at offset ${f.end - f.pos}`);
    }
    this.cutAt = f.offset;
  }

  private corrupt(what: string): never {
    throw new CorruptBlock(`corrupt pcapng block at byte offset ${this.file.offset}: ${what}`);
  }

  next(frame: RawFrame): boolean {
    try {
      return this.read(frame);
    } catch (e) {
      // Block lengths can no longer be trusted: stop here, keeping what came before (as libpcap and tshark do).
      if (!(e instanceof CorruptBlock)) throw e;
      this.damage = e.message;
      return false;
    }
  }

  private read(frame: RawFrame): boolean {
    const f = this.file;
    for (;;) {
      if (!f.ensure(12)) {
        if (f.end > f.pos && !f.waiting) this.cutShort();
        return false;
      }
      const p0 = f.pos;
      const b = f.buf;
      const rawType = b.readUInt32LE(p0);
      if (rawType === PCAPNG_SHB) {
        // The byte-order magic decides how this section (including its own length) is read.
        const bom = b.readUInt32LE(p0 + 8);
        if (bom === BYTE_ORDER_MAGIC) this.le = true;
        else if (b.readUInt32BE(p0 + 8) === BYTE_ORDER_MAGIC) this.le = false;
        else this.corrupt('section header has no byte-order magic');
        this.interfaces = [];
      }
      const type = this.u32(p0);
      const len = this.u32(p0 + 4);
      if (len < 12 || len % 4 !== 0 || len > MAX_BLOCK) this.corrupt(`block length ${len}`);
      if (!f.ensure(len)) {
        if (!f.waiting) this.cutShort();
        return false;
      }
      const p = f.pos;
      if (this.u32(p + len - 4) !== len) this.corrupt(`trailing block length ${this.u32(p + len - 4)} differs from ${len}`);
      if (type === EPB || type === OPB) {
        if (len < 32) this.corrupt(`packet block of ${len} bytes`);
        const ifId = type === EPB ? this.u32(p + 8) : this.u16(p + 8);
        const iface = this.interfaces[ifId];
        if (iface === undefined) this.corrupt(`packet on undeclared interface ${ifId}`);
        const capLen = this.u32(p + 20);
        const wireLen = this.u32(p + 24);
        if (capLen > MAX_RECORD_CAPLEN || 28 + capLen > len - 4) this.corrupt(`captured length ${capLen} in a block of ${len}`);
        this.timestamp(this.u32(p + 12), this.u32(p + 16), iface, frame);
        this.fill(frame, p + 28, capLen, wireLen, iface.linkType);
        f.pos += len;
        return true;
      }
      if (type === SPB) {
        const iface = this.interfaces[0];
        if (iface === undefined) this.corrupt('simple packet block before any interface');
        // Type, length, original length and the trailing length: 16 bytes before any packet data.
        if (len < 16) this.corrupt(`simple packet block of ${len} bytes (at least 16)`);
        const wireLen = this.u32(p + 8);
        let capLen = len - 16;
        if (wireLen < capLen) capLen = wireLen;
        if (iface.snaplen > 0 && iface.snaplen < capLen) capLen = iface.snaplen;
        // Simple packets carry no timestamp: keep the last one seen so time never runs backwards.
        frame.tsSec = this.lastSec;
        frame.tsNsec = this.lastNsec;
        this.fill(frame, p + 12, capLen, wireLen, iface.linkType);
        f.pos += len;
        return true;
      }
      if (type === IDB) this.readInterface(p, len);
      f.pos += len;
    }
  }

  close(): void {
    this.file.close();
  }

  private fill(frame: RawFrame, dataOff: number, capLen: number, wireLen: number, linkType: number): void {
    frame.data = this.file.buf;
    frame.offset = dataOff;
    frame.capLen = capLen;
    frame.wireLen = wireLen > capLen ? wireLen : capLen;
    frame.linkType = linkType;
    frame.index = ++this.count;
  }

  private readInterface(p: number, len: number): void {
    if (len < 20) this.corrupt(`interface block of ${len} bytes`);
    if (this.interfaces.length >= MAX_INTERFACES) this.corrupt('more than 65536 interfaces in one section');
    const linkType = this.u16(p + 8);
    const snaplen = this.u32(p + 12);
    let unitsPerSec = 1e6;
    let tsOffset = 0;
    let o = p + 16;
    const end = p + len - 4;
    while (o + 4 <= end) {
      const code = this.u16(o);
      const olen = this.u16(o + 2);
      if (code === OPT_END) break;
      if (o + 4 + olen > end) break;
      if (code === OPT_IF_TSRESOL && olen >= 1) {
        const v = this.file.buf[o + 4];
        const exp = v & 0x7f;
        unitsPerSec = (v & 0x80) !== 0 ? 2 ** exp : 10 ** exp;
      } else if (code === OPT_IF_TSOFFSET && olen >= 8) {
        // Signed 64-bit seconds; offsets beyond 2^31 s are not meaningful.
        const lo = this.u32(o + 4);
        const hi = this.u32(o + 8);
        tsOffset = this.le ? (hi | 0) * 4294967296 + lo : (lo | 0) * 4294967296 + hi;
      }
      o += 4 + ((olen + 3) & ~3);
    }
    this.interfaces.push(new InterfaceInfo(linkType, snaplen, unitsPerSec, tsOffset));
  }

  /** Converts a 64-bit count of units to seconds + nanoseconds exactly, without BigInt. */
  private timestamp(hi: number, lo: number, iface: InterfaceInfo, frame: RawFrame): void {
    const div = iface.unitsPerSec;
    let sec: number;
    let nsec: number;
    if (div <= 0x3fffffff) {
      // Long division over 16-bit limbs keeps every intermediate below 2^53.
      const qr = this.qr;
      divide64(hi, lo, div, qr);
      sec = qr[0];
      nsec = Math.floor((qr[1] * 1e9) / div);
    } else {
      // Resolutions finer than 2^-30 s: kept to the nanosecond a double can carry.
      const units = hi * 4294967296 + lo;
      sec = Math.floor(units / div);
      nsec = Math.floor(((units / div) - sec) * 1e9);
    }
    sec += iface.tsOffsetSec;
    if (!(sec >= 0 && sec <= MAX_PACKET_SEC)) {
      // 64-bit units and a signed offset reach any time (year 1870, year 584,942): no date prints it,
      // and time in windows would jump with it. Keep the packet at its neighbour's time and count it.
      this.timesOutOfRange++;
      sec = this.lastSec;
      nsec = this.lastNsec;
    }
    this.lastSec = sec;
    this.lastNsec = nsec;
    frame.tsSec = sec;
    frame.tsNsec = nsec;
  }
}

/** (hi * 2^32 + lo) / div for div < 2^30, as quotient and remainder, in exact double arithmetic. */
function divide64(hi: number, lo: number, div: number, out: Float64Array): void {
  let rem = 0;
  let q = 0;
  const limbs0 = hi >>> 16;
  const limbs1 = hi & 0xffff;
  const limbs2 = lo >>> 16;
  const limbs3 = lo & 0xffff;
  let cur = limbs0;
  let d = Math.floor(cur / div); rem = cur - d * div; q = d;
  cur = rem * 65536 + limbs1; d = Math.floor(cur / div); rem = cur - d * div; q = q * 65536 + d;
  cur = rem * 65536 + limbs2; d = Math.floor(cur / div); rem = cur - d * div; q = q * 65536 + d;
  cur = rem * 65536 + limbs3; d = Math.floor(cur / div); rem = cur - d * div; q = q * 65536 + d;
  out[0] = q;
  out[1] = rem;
}
