// IPv4 header: addresses, TTL, protocol, options and fragment position; hands the payload to the transport decoder.

import { DecodeStatus } from './decode-status.js';
import { FRAG_FIRST, FRAG_LATER, FRAG_NONE, L3_IPV4, type PacketRecord } from './packet-record.js';
import { decodeTransport } from './transport.js';
import { shortStatus } from './short-status.js';

export function decodeIpv4(d: Uint8Array, off: number, capEnd: number, rec: PacketRecord): DecodeStatus {
  if (capEnd - off < 20) return shortStatus(rec, DecodeStatus.TruncatedIp, DecodeStatus.MalformedIp);
  const vihl = d[off];
  if (vihl >> 4 !== 4) return DecodeStatus.MalformedIp;
  const hlen = (vihl & 0x0f) << 2;
  if (hlen < 20) return DecodeStatus.MalformedIp;
  const totalLen = (d[off + 2] << 8) | d[off + 3];
  if (totalLen < hlen) return DecodeStatus.MalformedIp;

  rec.l3 = L3_IPV4;
  rec.src4 = ((d[off + 12] << 24) | (d[off + 13] << 16) | (d[off + 14] << 8) | d[off + 15]) >>> 0;
  rec.dst4 = ((d[off + 16] << 24) | (d[off + 17] << 16) | (d[off + 18] << 8) | d[off + 19]) >>> 0;
  rec.ttl = d[off + 8];
  rec.ipProto = d[off + 9];
  rec.ipOptions = hlen > 20;
  const fragField = (d[off + 6] << 8) | d[off + 7];
  const fragOffset = fragField & 0x1fff;
  const moreFragments = (fragField & 0x2000) !== 0;
  rec.fragment = fragOffset !== 0 ? FRAG_LATER : moreFragments ? FRAG_FIRST : FRAG_NONE;
  if (rec.fragment !== FRAG_NONE) rec.fragId = (d[off + 4] << 8) | d[off + 5];

  if (capEnd - off < hlen) return shortStatus(rec, DecodeStatus.TruncatedIp, DecodeStatus.MalformedIp);
  // The datagram ends at its total length; anything after it is link padding or trailer.
  const dgEnd = off + totalLen;
  const end = dgEnd < capEnd ? dgEnd : capEnd;
  if (rec.fragment === FRAG_LATER) {
    rec.payloadOffset = off + hlen;
    rec.payloadLength = end - rec.payloadOffset;
    return DecodeStatus.Ok;
  }
  return decodeTransport(d, off + hlen, end, rec);
}
