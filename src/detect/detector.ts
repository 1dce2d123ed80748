// What every detector implements, and the per-packet context the engine hands to them (one reused object).

import type { AlertHub } from '../alert/alert-hub.js';
import type { DetectorName } from '../alert/signatures.js';
import type { DetectionConfig } from '../config/detection-defaults.js';
import { ipv4ToString, ipv6ToString } from '../decode/address-format.js';
import { L3_IPV4, type PacketRecord } from '../decode/packet-record.js';
import { ipProtocolName } from '../decode/protocol-names.js';
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
  return rec.ipProto === 58 ? 'IPv6-ICMP' : ipProtocolName(rec.ipProto);
}

export function windowLabel(sec: number): string {
  return `${sec}s`;
}

/** Per-slot "last raised" times so a detector over its threshold calls the hub at most once a second per entry. */
export class RaiseGate {
  private readonly last: Float64Array;
  constructor(capacity: number) {
    this.last = new Float64Array(capacity).fill(-Infinity);
  }
  /** True (and remembered) when slot may raise at time t. */
  open(slot: number, t: number): boolean {
    const dt = t - this.last[slot];
    if (dt >= 0 && dt < 1) return false;
    this.last[slot] = t;
    return true;
  }
  reset(slot: number): void {
    this.last[slot] = -Infinity;
  }
}
