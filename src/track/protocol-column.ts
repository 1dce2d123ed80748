// The protocol split every traffic count shares (per-minute statistics, a capture report's timeline):
// TCP, UDP, ICMP (v4 and v6), ARP, and everything else (other IP protocols, other frames).

import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, L3_ARP, L3_IPV4, L3_IPV6, type PacketRecord } from '../decode/packet-record.js';

export const PC_TCP = 0;
export const PC_UDP = 1;
export const PC_ICMP = 2;
export const PC_ARP = 3;
export const PC_OTHER = 4;
/** Columns of the split. */
export const PROTOCOL_COLUMNS = 5;

/** Which column of the split a packet counts in. */
export function protocolColumn(rec: PacketRecord): number {
  if (rec.l3 !== L3_IPV4 && rec.l3 !== L3_IPV6) return rec.l3 === L3_ARP ? PC_ARP : PC_OTHER;
  const p = rec.ipProto;
  return p === IPPROTO_TCP ? PC_TCP : p === IPPROTO_UDP ? PC_UDP : p === IPPROTO_ICMP || p === IPPROTO_ICMPV6 ? PC_ICMP : PC_OTHER;
}

/** True for IPv4 and IPv6 packets (the ones host and talker statistics count). */
export function isIpPacket(rec: PacketRecord): boolean {
  return rec.l3 === L3_IPV4 || rec.l3 === L3_IPV6;
}
