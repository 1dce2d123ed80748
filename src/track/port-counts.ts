// Counts per TCP/UDP port in two fixed arrays of 65536 counters, so any traffic fits without growth:
// services (the destination port of each flow's first packet: replies to ephemeral ports never count)
// and source ports of packets (where answers come from: port 53, 123 or 161 leading is reflection).

import { IPPROTO_TCP, IPPROTO_UDP, type PacketRecord } from '../decode/packet-record.js';

export interface PortCount {
  proto: 'tcp' | 'udp';
  port: number;
  count: number;
}

export class PortCounts {
  private readonly tcp = new Uint32Array(65536);
  private readonly udp = new Uint32Array(65536);
  private any = false;

  /** Call with the first packet of a new flow: its destination port is the service asked for. */
  countDst(rec: PacketRecord): void {
    this.count(rec.ipProto, rec.dstPort);
  }

  countSrc(rec: PacketRecord): void {
    this.count(rec.ipProto, rec.srcPort);
  }

  private count(proto: number, port: number): void {
    if (port < 0) return;
    if (proto === IPPROTO_TCP) this.tcp[port]++;
    else if (proto === IPPROTO_UDP) this.udp[port]++;
    else return;
    this.any = true;
  }

  /** The n largest counts (ties: TCP, then the lower port). */
  top(n: number): PortCount[] {
    if (!this.any) return [];
    const out: PortCount[] = [];
    const consider = (proto: 'tcp' | 'udp', a: Uint32Array): void => {
      for (let p = 0; p < 65536; p++) {
        const v = a[p];
        if (v === 0) continue;
        if (out.length === n && v <= out[n - 1].count) continue;
        out.push({ proto, port: p, count: v });
        out.sort((x, y) => y.count - x.count);
        if (out.length > n) out.pop();
      }
    };
    consider('tcp', this.tcp);
    consider('udp', this.udp);
    return out;
  }

  reset(): void {
    if (!this.any) return;
    this.tcp.fill(0);
    this.udp.fill(0);
    this.any = false;
  }
}
