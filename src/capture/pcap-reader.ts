// Classic pcap files: both byte orders, microsecond and nanosecond timestamps, streamed record by record.

import { NetwatchError } from '../errors.js';
import { ChunkedFile } from './chunked-file.js';
import { MAX_RECORD_CAPLEN, type FrameReader } from './frame-reader.js';
import type { RawFrame } from './raw-frame.js';

export const PCAP_MAGIC_USEC = 0xa1b2c3d4;
export const PCAP_MAGIC_NSEC = 0xa1b23c4d;

export class PcapReader implements FrameReader {
  readonly format = 'pcap' as const;
  readonly linkType: number;
  readonly snaplen: number;
  readonly nanosecond: boolean;
  cutAt = -1;
  damage: string | null = null;
  badTimestamps = 0;
  /** Always 0: 32-bit seconds end in 2106. */
  readonly timesOutOfRange = 0;
  private readonly file: ChunkedFile;
  private readonly le: boolean;
  private readonly fracPerSec: number;
  private readonly fracToNsec: number;
  private count = 0;

  /** Takes an open file positioned at offset 0 whose first 4 bytes are a pcap magic. */
  constructor(file: ChunkedFile) {
    this.file = file;
    if (!file.ensure(24)) {
      // No packet can be read: not a capture (exit 2), as an empty file is, not one broken part way through.
      throw new NetwatchError('NW_ERR_FILE_FORMAT', `${file.path}: not a capture file: pcap file header cut short at offset ${file.end} (24 bytes)`);
    }
    const b = file.buf;
    const magicLe = b.readUInt32LE(0);
    this.le = magicLe === PCAP_MAGIC_USEC || magicLe === PCAP_MAGIC_NSEC;
    const magic = this.le ? magicLe : b.readUInt32BE(0);
    this.nanosecond = magic === PCAP_MAGIC_NSEC;
    this.fracPerSec = this.nanosecond ? 1e9 : 1e6;
    this.fracToNsec = this.nanosecond ? 1 : 1000;
    const major = this.le ? b.readUInt16LE(4) : b.readUInt16BE(4);
    if (major !== 2) {
      throw new NetwatchError('NW_ERR_FILE_FORMAT', `${file.path}: unsupported pcap version ${major} at offset 4 (expected 2)`);
    }
    this.snaplen = this.le ? b.readUInt32LE(16) : b.readUInt32BE(16);
    // Upper bits of the link-type field carry FCS length and flags (LT_LINKTYPE mask in libpcap).
    this.linkType = (this.le ? b.readUInt32LE(20) : b.readUInt32BE(20)) & 0xffff;
    file.pos += 24;
  }

  get path(): string { return this.file.path; }
  get size(): number { return this.file.size; }
  get streaming(): boolean { return this.file.streaming; }
  get maxWaitMs(): number { return this.file.maxWaitMs; }
  set maxWaitMs(ms: number) { this.file.maxWaitMs = ms; }
  get waiting(): boolean { return this.file.waiting; }
  get bytesRead(): number { return this.file.offset; }

  next(frame: RawFrame): boolean {
    const f = this.file;
    if (!f.ensure(16)) {
      if (f.end > f.pos && !f.waiting) this.cutAt = f.offset;
      return false;
    }
    const b = f.buf;
    const p = f.pos;
    let sec: number, frac: number, capLen: number, wireLen: number;
    if (this.le) {
      sec = (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
      frac = (b[p + 4] | (b[p + 5] << 8) | (b[p + 6] << 16) | (b[p + 7] << 24)) >>> 0;
      capLen = (b[p + 8] | (b[p + 9] << 8) | (b[p + 10] << 16) | (b[p + 11] << 24)) >>> 0;
      wireLen = (b[p + 12] | (b[p + 13] << 8) | (b[p + 14] << 16) | (b[p + 15] << 24)) >>> 0;
    } else {
      sec = ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
      frac = ((b[p + 4] << 24) | (b[p + 5] << 16) | (b[p + 6] << 8) | b[p + 7]) >>> 0;
      capLen = ((b[p + 8] << 24) | (b[p + 9] << 16) | (b[p + 10] << 8) | b[p + 11]) >>> 0;
      wireLen = ((b[p + 12] << 24) | (b[p + 13] << 16) | (b[p + 14] << 8) | b[p + 15]) >>> 0;
    }
    if (capLen > MAX_RECORD_CAPLEN) {
      // No way to find the next record: stop here, keeping what came before (as libpcap and tshark do).
      this.damage = `corrupt packet record at byte offset ${f.offset}: captured length ${capLen} exceeds ${MAX_RECORD_CAPLEN}`;
      return false;
    }
    if (!f.ensure(16 + capLen)) {
      if (!f.waiting) this.cutAt = f.offset;
      return false;
    }
    if (frac >= this.fracPerSec) {
      this.badTimestamps++;
      sec += Math.floor(frac / this.fracPerSec);
      frac %= this.fracPerSec;
    }
    frame.data = f.buf;
    frame.offset = f.pos + 16;
    frame.capLen = capLen;
    frame.wireLen = wireLen > capLen ? wireLen : capLen;
    frame.tsSec = sec;
    frame.tsNsec = frac * this.fracToNsec;
    frame.linkType = this.linkType;
    frame.index = ++this.count;
    f.pos += 16 + capLen;
    return true;
  }

  close(): void {
    this.file.close();
  }
}
