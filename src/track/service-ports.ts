// Connections started per service (TCP or UDP destination port of a flow's first packet): two fixed
// arrays of 65536 counters, so any traffic fits without growth; reply packets to ephemeral ports never count.

import { IPPROTO_TCP, IPPROTO_UDP, type PacketRecord } from '../decode/packet-record.js';

export interface ServiceCount {
  proto: 'tcp' | 'udp';
  port: number;
  flows: number;
}

export class ServicePorts {
  private readonly tcp = new Uint32Array(65536);
  private readonly udp = new Uint32Array(65536);
  private any = false;

  /** Call with the first packet of a new flow. */
  flowStarted(rec: PacketRecord): void {
    if (rec.ipProto === IPPROTO_TCP) this.tcp[rec.dstPort]++;
    else if (rec.ipProto === IPPROTO_UDP) this.udp[rec.dstPort]++;
    else return;
    this.any = true;
  }

  /** The n busiest services, most connections first (ties: TCP, then the lower port). */
  top(n: number): ServiceCount[] {
    if (!this.any) return [];
    const out: ServiceCount[] = [];
    const consider = (proto: 'tcp' | 'udp', a: Uint32Array): void => {
      for (let p = 0; p < 65536; p++) {
        const v = a[p];
        if (v === 0) continue;
        if (out.length === n && v <= out[n - 1].flows) continue;
        out.push({ proto, port: p, flows: v });
        out.sort((x, y) => y.flows - x.flows);
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
