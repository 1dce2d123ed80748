// Which flow each fragmented IP datagram belongs to, so that its later fragments, which carry no ports,
// are counted in that flow (Zeek and Suricata count them too, after reassembly). An entry is keyed by
// source, destination, the datagram's identification and (IPv4) protocol, and names the flow its first fragment
// was counted in; later fragments that arrive before their first are held as counts and handed over when
// it comes. An entry lasts `timeoutSec` of packet time after its datagram's newest fragment (the
// reassembly timer: 30 s as Linux's ipfrag_time). Fixed capacity: the least recently seen entry of a
// full probe window is evicted and counted. Nothing here is reassembled or stored but counts.

import { L3_IPV4, type PacketRecord } from '../decode/packet-record.js';
import { hashWords, writeDst, writeSrc } from './address-key.js';

/** Key words: source (4), destination (4), identification, protocol (IPv4 only). */
const KW = 10;
const PROBE = 8;

export class FragmentFlows {
  readonly capacity: number;
  readonly timeoutSec: number;
  /** Entries taken over by another datagram while still within their time. */
  evictions = 0;
  private readonly mask: number;
  private readonly keys: Uint32Array;
  private readonly hashes: Int32Array;
  /** Newest fragment time per entry; -Infinity while never used. */
  private readonly times: Float64Array;
  /** Flow record of the datagram's first fragment, or -1 until it is seen. */
  private readonly flows: Int32Array;
  /** That flow's serial (a record closed and reused since holds another flow), and the direction (0 originator, 1 responder). */
  private readonly flowSerial: Float64Array;
  private readonly dirs: Uint8Array;
  /** Later fragments seen before their first: packets and bytes held for it. */
  private readonly heldPkts: Float64Array;
  private readonly heldBytes: Float64Array;
  private readonly key = new Uint32Array(KW);

  constructor(capacity: number, timeoutSec: number) {
    if ((capacity & (capacity - 1)) !== 0) throw new RangeError('fragment table capacity must be a power of two');
    this.capacity = capacity;
    this.timeoutSec = timeoutSec;
    this.mask = capacity - 1;
    this.keys = new Uint32Array(capacity * KW);
    this.hashes = new Int32Array(capacity);
    this.times = new Float64Array(capacity).fill(-Infinity);
    this.flows = new Int32Array(capacity).fill(-1);
    this.flowSerial = new Float64Array(capacity);
    this.dirs = new Uint8Array(capacity);
    this.heldPkts = new Float64Array(capacity);
    this.heldBytes = new Float64Array(capacity);
  }

  /**
   * The entry of the fragment's datagram at packet time t: found, or taken (an empty or timed-out one, else
   * the least recently seen of the probe window, counted as an eviction) and cleared. Its time becomes t.
   */
  entry(rec: PacketRecord, t: number): number {
    const k = this.key;
    writeSrc(k, 0, rec);
    writeDst(k, 4, rec);
    k[8] = rec.fragId;
    // IPv4 names a datagram by addresses, protocol and ID (RFC 791); IPv6 by addresses and ID (RFC 8200),
    // and its later fragments' next header is whatever follows the Fragment header, not the transport.
    k[9] = rec.l3 === L3_IPV4 ? rec.ipProto : 0;
    const h = hashWords(k, 0, KW, 0x3c6ef372) | 0;
    const times = this.times;
    let victim = -1;
    for (let i = 0; i < PROBE; i++) {
      const e = (h + i) & this.mask;
      if (this.hashes[e] === h && times[e] > t - this.timeoutSec && this.sameKey(e)) {
        if (t > times[e]) times[e] = t;
        return e;
      }
      if (victim < 0 || times[e] < times[victim]) victim = e;
    }
    if (times[victim] > t - this.timeoutSec) this.evictions++;
    const o = victim * KW;
    for (let w = 0; w < KW; w++) this.keys[o + w] = k[w];
    this.hashes[victim] = h;
    times[victim] = t;
    this.flows[victim] = -1;
    this.heldPkts[victim] = 0;
    this.heldBytes[victim] = 0;
    return victim;
  }

  private sameKey(e: number): boolean {
    const o = e * KW;
    const k = this.key;
    for (let w = 0; w < KW; w++) if (this.keys[o + w] !== k[w]) return false;
    return true;
  }

  /** The entry's datagram was counted in flow record s (whose serial is `serial`), in direction dir. */
  setFlow(e: number, s: number, serial: number, dir: number): void {
    this.flows[e] = s;
    this.flowSerial[e] = serial;
    this.dirs[e] = dir;
  }

  /** The entry's flow record, or -1 while its first fragment has not been seen. */
  flowOf(e: number): number { return this.flows[e]; }
  flowSerialOf(e: number): number { return this.flowSerial[e]; }
  dirOf(e: number): number { return this.dirs[e]; }

  hold(e: number, bytes: number): void {
    this.heldPkts[e]++;
    this.heldBytes[e] += bytes;
  }

  heldPackets(e: number): number { return this.heldPkts[e]; }
  heldByteCount(e: number): number { return this.heldBytes[e]; }

  clearHeld(e: number): void {
    this.heldPkts[e] = 0;
    this.heldBytes[e] = 0;
  }

  get memoryBytes(): number {
    return this.keys.byteLength + this.hashes.byteLength + this.times.byteLength + this.flows.byteLength +
      this.flowSerial.byteLength + this.dirs.byteLength + this.heldPkts.byteLength + this.heldBytes.byteLength;
  }
}
