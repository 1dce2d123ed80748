// What every detector implements, and the per-packet context the engine hands to them (one reused object).

import type { AlertHub, PacketPosition } from '../alert/alert-hub.js';
import type { DetectorName } from '../alert/signatures.js';
import type { DetectionConfig } from '../config/detection-defaults.js';
import { ipv4ToString, ipv6ToString } from '../decode/address-format.js';
import { L3_IPV4, type PacketRecord } from '../decode/packet-record.js';
import { eveProtocolName } from '../decode/protocol-names.js';
import type { FlowTable } from '../track/flow-table.js';
import type { HostWindows } from '../track/host-windows.js';

export class PacketContext {
  rec!: PacketRecord;
  /** Packet time in seconds (with fraction). */
  t = 0;
  flows!: FlowTable;
  hosts!: HostWindows;
  hub!: AlertHub;
  flowSlot = -1;
  fromOrig = false;
  newFlow = false;
  established = false;
  /** The packet has IP addresses (host windows were updated for it). */
  isIp = false;
  /**
   * Alerts raised during this packet for another, earlier one (a held-back raise settled as its table
   * evicted the entry): they name their own flow, not this packet's, which is marked alerted only for its own.
   */
  settledRaises = 0;
}

export interface Detector {
  readonly name: DetectorName;
  /** Per packet: a cheap condition first, work only when it holds. */
  packet(c: PacketContext): void;
  /** Once per second of packet time. */
  tick?(c: PacketContext): void;
  /** End of input (file read, capture stopped): judge what is still open. */
  finish?(c: PacketContext): void;
  /** A reloaded config: new thresholds, same tables (nothing tracked is lost). */
  configure?(all: DetectionConfig): void;
}

export function srcString(rec: PacketRecord): string {
  return rec.l3 === L3_IPV4 ? ipv4ToString(rec.src4) : ipv6ToString(rec.src6);
}

export function dstString(rec: PacketRecord): string {
  return rec.l3 === L3_IPV4 ? ipv4ToString(rec.dst4) : ipv6ToString(rec.dst6);
}

/** Protocol names as Suricata writes them in EVE (ICMPv6 is "IPv6-ICMP"). */
export function protoName(rec: PacketRecord): string {
  return eveProtocolName(rec.ipProto);
}

/** How a raise names a flow: its Community ID and its flow_id (the flow record's), each only when known. */
export interface FlowFields {
  communityId?: string;
  flowId?: number;
}

/** The flow fields of a Community ID and a flow serial (0: the packet had no flow). */
export function flowFields(communityId: string | undefined, serial: number): FlowFields {
  const r: FlowFields = {};
  if (communityId !== undefined) r.communityId = communityId;
  if (serial > 0) r.flowId = serial;
  return r;
}

/** The flow fields of flow record slot (none for -1: ARP, a later IP fragment). */
export function flowOf(flows: FlowTable, slot: number): FlowFields {
  return slot < 0 ? {} : flowFields(flows.communityId(slot), flows.serialOf(slot));
}

export function windowLabel(sec: number): string {
  return `${sec}s`;
}

/**
 * Per-slot "last raised" times so a detector over its threshold calls the hub at most once a second per
 * entry. With remember, the slots it refuses are kept with the time and packet of their latest refusal,
 * so a detector can judge them again at its next tick and at the end (drain) as they stood then: a scan
 * that runs its course inside one second is otherwise filed with the count it had when it first crossed
 * the threshold.
 */
export class RaiseGate {
  private readonly last: Float64Array;
  private readonly deferred: Int32Array | null;
  private readonly isDeferred: Uint8Array | null;
  /** Per slot, 1 while it is on the deferred list: a slot goes on it at most once, so the list never outgrows its capacity. */
  private readonly listed: Uint8Array | null;
  /** Per slot, its latest refusal: packet time, and the packet's position (seconds, nanoseconds, number, file). */
  private readonly refusedT: Float64Array | null;
  private readonly refusedPos: Float64Array | null;
  private readonly refusedFile: (string | null)[] | null;
  private deferredCount = 0;
  constructor(capacity: number, remember = false) {
    this.last = new Float64Array(capacity).fill(-Infinity);
    this.deferred = remember ? new Int32Array(capacity) : null;
    this.isDeferred = remember ? new Uint8Array(capacity) : null;
    this.listed = remember ? new Uint8Array(capacity) : null;
    this.refusedT = remember ? new Float64Array(capacity) : null;
    this.refusedPos = remember ? new Float64Array(3 * capacity) : null;
    this.refusedFile = remember ? new Array<string | null>(capacity).fill(null) : null;
  }
  /**
   * True (and remembered) when slot may raise at time t. With remember, a refused slot is kept for drain
   * with t and pos, the packet the refusal happened at.
   */
  open(slot: number, t: number, pos?: PacketPosition): boolean {
    const dt = t - this.last[slot];
    if (dt >= 0 && dt < 1) {
      if (this.isDeferred !== null) {
        if (this.isDeferred[slot] === 0) {
          this.isDeferred[slot] = 1;
          // A slot settled at an eviction may still be listed: listed again, it was judged twice and the list overflowed.
          if (this.listed![slot] === 0) {
            this.listed![slot] = 1;
            this.deferred![this.deferredCount++] = slot;
          }
        }
        this.refusedT![slot] = t;
        if (pos !== undefined) {
          const rp = this.refusedPos!;
          rp[3 * slot] = pos.tsSec;
          rp[3 * slot + 1] = pos.tsNsec;
          rp[3 * slot + 2] = pos.index;
          this.refusedFile![slot] = pos.file;
        }
      }
      return false;
    }
    this.last[slot] = t;
    // Raised now: a refusal kept for the next drain is spent (the drain skips it).
    if (this.isDeferred !== null) this.isDeferred[slot] = 0;
    return true;
  }
  reset(slot: number): void {
    this.last[slot] = -Infinity;
  }
  /** True while slot has a refused raise kept for the next drain (settle would judge it). */
  holds(slot: number): boolean {
    return this.isDeferred !== null && this.isDeferred[slot] === 1;
  }
  /**
   * Hands every refused slot to judge once, a second or more after its last raise (sooner, it is kept for
   * the next drain; with force, at the end of input, at once), and forgets it. The slot is judged as it
   * stood at its latest refusal: c.t and the hub's packet position are those of that packet while judge
   * runs, so the alert has the counts, time and packet number of the last packet that counted, not of
   * whatever packet happens to come next (a minute later, after a quiet spell).
   */
  drain(c: PacketContext, judge: (slot: number) => void, force: boolean): void {
    const n = this.deferredCount;
    if (n === 0 || this.deferred === null || this.isDeferred === null) return;
    // A copy: a slot kept for later goes back on the list, from its start.
    const slots = this.deferred.slice(0, n);
    this.deferredCount = 0;
    const t = c.t;
    const listed = this.listed!;
    for (let i = 0; i < n; i++) {
      const s = slots[i];
      listed[s] = 0;
      // Raised (or settled) since it was refused: nothing is left to file.
      if (this.isDeferred[s] === 0) continue;
      const dt = t - this.last[s];
      if (!force && dt >= 0 && dt < 1) {
        listed[s] = 1;
        this.deferred[this.deferredCount++] = s;
        continue;
      }
      this.judgeRefused(c, s, judge);
    }
  }

  /**
   * Slot s is about to be given to another key (its table evicted it): a raise refused for it is judged
   * now, as it stood at that refusal, and what the gate kept for it is forgotten, so the new key neither
   * loses the old one's alert (a spoofed flood pushing a scan out of the table) nor inherits its gate.
   */
  settle(c: PacketContext, s: number, judge: (slot: number) => void): void {
    if (this.isDeferred !== null && this.isDeferred[s] === 1) {
      const before = c.hub.alertsRaised;
      this.judgeRefused(c, s, judge);
      c.settledRaises += c.hub.alertsRaised - before;
    }
    this.last[s] = -Infinity;
  }

  /**
   * For a table's onEvict: settles record s (see settle) while another key is being inserted from `key`,
   * which judge may overwrite: it is kept in `saved` and put back. Most evictions (a flood's one-packet
   * keys) hold nothing back: the gate only forgets the record.
   */
  settleEvicted(c: PacketContext, s: number, judge: (slot: number) => void, key: Uint32Array, saved: Uint32Array): void {
    if (!this.holds(s)) {
      this.last[s] = -Infinity;
      return;
    }
    saved.set(key);
    this.settle(c, s, judge);
    key.set(saved);
  }

  /** Judges slot s as it stood at its latest refusal (c.t and the hub's position set to it meanwhile). */
  private judgeRefused(c: PacketContext, s: number, judge: (slot: number) => void): void {
    this.isDeferred![s] = 0;
    this.last[s] = -Infinity;
    const pos = c.hub.position;
    const t = c.t;
    const { tsSec, tsNsec, index, file } = pos;
    const rp = this.refusedPos!;
    c.t = this.refusedT![s];
    pos.tsSec = rp[3 * s];
    pos.tsNsec = rp[3 * s + 1];
    pos.index = rp[3 * s + 2];
    pos.file = this.refusedFile![s];
    try {
      judge(s);
    } finally {
      c.t = t;
      pos.tsSec = tsSec;
      pos.tsNsec = tsNsec;
      pos.index = index;
      pos.file = file;
    }
  }
}
