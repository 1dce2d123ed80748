// IPv6 header and its extension-header chain (hop-by-hop, routing, fragment, destination options, AH, mobility).

import { DecodeStatus } from './decode-status.js';
import { FRAG_FIRST, FRAG_LATER, L3_IPV6, type PacketRecord } from './packet-record.js';
import { decodeTransport } from './transport.js';
import { shortStatus } from './short-status.js';

const NH_HOPOPTS = 0;
const NH_ROUTING = 43;
const NH_FRAGMENT = 44;
const NH_ESP = 50;
const NH_AH = 51;
const NH_NONE = 59;
const NH_DSTOPTS = 60;
const NH_MOBILITY = 135;
const NH_HIP = 139;
const NH_SHIM6 = 140;

/** A chain longer than this is treated as malformed (RFC 8200 expects a handful). */
const MAX_EXT_HEADERS = 16;

export function decodeIpv6(d: Uint8Array, off: number, capEnd: number, rec: PacketRecord): DecodeStatus {
  if (capEnd - off < 40) return shortStatus(rec, DecodeStatus.TruncatedIp, DecodeStatus.MalformedIp);
  if (d[off] >> 4 !== 6) return DecodeStatus.MalformedIp;
  rec.l3 = L3_IPV6;
  const payloadLen = (d[off + 4] << 8) | d[off + 5];
  let nh = d[off + 6];
  rec.ttl = d[off + 7];
  const src = rec.src6;
  const dst = rec.dst6;
  for (let i = 0; i < 16; i++) {
    src[i] = d[off + 8 + i];
    dst[i] = d[off + 24 + i];
  }
  const dgEnd = off + 40 + payloadLen;
  // Jumbograms (payload length 0 with a hop-by-hop jumbo option) run to the end of the frame.
  const end = payloadLen === 0 || dgEnd > capEnd ? capEnd : dgEnd;
  let p = off + 40;

  for (let n = 0; n < MAX_EXT_HEADERS; n++) {
    switch (nh) {
      case NH_HOPOPTS:
      case NH_ROUTING:
      case NH_DSTOPTS:
      case NH_MOBILITY:
      case NH_HIP:
      case NH_SHIM6: {
        if (end - p < 8) { rec.ipProto = nh; return shortStatus(rec, DecodeStatus.TruncatedIp, DecodeStatus.MalformedIp); }
        rec.ipOptions = true;
        const hdrEnd = p + ((d[p + 1] + 1) << 3);
        if ((nh === NH_DSTOPTS || nh === NH_HOPOPTS) && hdrEnd <= end) scanOptions(d, p + 2, hdrEnd, rec);
        nh = d[p];
        p = hdrEnd;
        if (p > end) { rec.ipProto = nh; return shortStatus(rec, DecodeStatus.TruncatedIp, DecodeStatus.MalformedIp); }
        break;
      }
      case NH_AH: {
        if (end - p < 8) { rec.ipProto = nh; return shortStatus(rec, DecodeStatus.TruncatedIp, DecodeStatus.MalformedIp); }
        rec.ipOptions = true;
        nh = d[p];
        p += (d[p + 1] + 2) << 2;
        if (p > end) { rec.ipProto = nh; return shortStatus(rec, DecodeStatus.TruncatedIp, DecodeStatus.MalformedIp); }
        break;
      }
      case NH_FRAGMENT: {
        if (end - p < 8) { rec.ipProto = nh; return shortStatus(rec, DecodeStatus.TruncatedIp, DecodeStatus.MalformedIp); }
        rec.ipOptions = true;
        nh = d[p];
        const fragOffset = ((d[p + 2] << 8) | d[p + 3]) >> 3;
        const more = (d[p + 3] & 1) !== 0;
        const id = ((d[p + 4] << 24) | (d[p + 5] << 16) | (d[p + 6] << 8) | d[p + 7]) >>> 0;
        p += 8;
        if (fragOffset !== 0) {
          rec.fragment = FRAG_LATER;
          rec.fragId = id;
          rec.ipProto = nh;
          rec.payloadOffset = p;
          rec.payloadLength = end - p;
          return DecodeStatus.Ok;
        }
        if (more) { rec.fragment = FRAG_FIRST; rec.fragId = id; }
        break;
      }
      case NH_ESP:
      case NH_NONE:
      default:
        rec.ipProto = nh;
        return decodeTransport(d, p, end, rec);
    }
  }
  rec.ipProto = nh;
  return DecodeStatus.MalformedIp;
}

/** Option types IANA has assigned for hop-by-hop and destination options, plus RFC 3692 experiments. */
const KNOWN_OPTIONS = new Uint8Array(256);
for (const t of [0x00, 0x01, 0x04, 0x05, 0x07, 0x08, 0x26, 0x31, 0x63, 0x6d, 0x8b, 0x8c, 0xc2, 0xc9, 0xee,
  0x1e, 0x3e, 0x5e, 0x7e, 0x9e, 0xbe, 0xde, 0xfe]) KNOWN_OPTIONS[t] = 1;

/** Walks the TLV options of a hop-by-hop or destination-options header and flags unassigned types. */
function scanOptions(d: Uint8Array, p: number, end: number, rec: PacketRecord): void {
  while (p < end) {
    const type = d[p];
    if (type === 0) { p++; continue; }
    if (p + 1 >= end) return;
    if (KNOWN_OPTIONS[type] === 0) rec.ipv6UnknownOption = true;
    p += 2 + d[p + 1];
  }
}
