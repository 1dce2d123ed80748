// ARP over Ethernet/IPv4: operation, sender and target protocol addresses, sender hardware address.

import { DecodeStatus } from './decode-status.js';
import { L3_ARP, type PacketRecord } from './packet-record.js';
import { shortStatus } from './short-status.js';

export function decodeArp(d: Uint8Array, off: number, capEnd: number, rec: PacketRecord): DecodeStatus {
  rec.l3 = L3_ARP;
  if (capEnd - off < 8) return shortStatus(rec, DecodeStatus.TruncatedArp, DecodeStatus.TruncatedArp);
  rec.arpOp = (d[off + 6] << 8) | d[off + 7];
  const ptype = (d[off + 2] << 8) | d[off + 3];
  const hlen = d[off + 4];
  const plen = d[off + 5];
  if (ptype !== 0x0800 || plen !== 4) return DecodeStatus.Ok;
  if (capEnd - off < 8 + 2 * hlen + 8) return shortStatus(rec, DecodeStatus.TruncatedArp, DecodeStatus.TruncatedArp);
  const spa = off + 8 + hlen;
  const tpa = spa + 4 + hlen;
  rec.arpShaOffset = off + 8;
  rec.arpSpa = ((d[spa] << 24) | (d[spa + 1] << 16) | (d[spa + 2] << 8) | d[spa + 3]) >>> 0;
  rec.arpTpa = ((d[tpa] << 24) | (d[tpa + 1] << 16) | (d[tpa + 2] << 8) | d[tpa + 3]) >>> 0;
  return DecodeStatus.Ok;
}
