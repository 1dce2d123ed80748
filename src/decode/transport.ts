// Transport headers: TCP (ports, flags, window, seq/ack), UDP, SCTP ports, ICMP and ICMPv6 (type, code); DNS on port 53.

import { DecodeStatus } from './decode-status.js';
import {
  FRAG_LATER, IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, type PacketRecord,
} from './packet-record.js';
import { shortStatus } from './short-status.js';
import { decodeDnsQuestion } from './dns.js';

const DNS_PORT = 53;
const IPPROTO_SCTP = 132;

export function decodeTransport(d: Uint8Array, off: number, end: number, rec: PacketRecord): DecodeStatus {
  if (rec.fragment === FRAG_LATER) return DecodeStatus.Ok;
  const avail = end - off;
  switch (rec.ipProto) {
    case IPPROTO_TCP: {
      if (avail < 4) return shortStatus(rec, DecodeStatus.TruncatedTransport, DecodeStatus.MalformedTransport);
      rec.srcPort = (d[off] << 8) | d[off + 1];
      rec.dstPort = (d[off + 2] << 8) | d[off + 3];
      if (avail < 20) return shortStatus(rec, DecodeStatus.TruncatedTransport, DecodeStatus.MalformedTransport);
      rec.tcpSeq = ((d[off + 4] << 24) | (d[off + 5] << 16) | (d[off + 6] << 8) | d[off + 7]) >>> 0;
      rec.tcpAck = ((d[off + 8] << 24) | (d[off + 9] << 16) | (d[off + 10] << 8) | d[off + 11]) >>> 0;
      rec.tcpFlags = ((d[off + 12] & 0x0f) << 8) | d[off + 13];
      rec.tcpWindow = (d[off + 14] << 8) | d[off + 15];
      const hlen = (d[off + 12] >> 4) << 2;
      if (hlen < 20) return DecodeStatus.MalformedTransport;
      if (avail < hlen) return shortStatus(rec, DecodeStatus.TruncatedTransport, DecodeStatus.MalformedTransport);
      rec.payloadOffset = off + hlen;
      rec.payloadLength = avail - hlen;
      if ((rec.srcPort === DNS_PORT || rec.dstPort === DNS_PORT) && rec.payloadLength >= 14) {
        // DNS over TCP: a two-byte length prefix, then the message (first segment only).
        decodeDnsQuestion(d, rec.payloadOffset + 2, end, rec);
      }
      return DecodeStatus.Ok;
    }
    case IPPROTO_UDP: {
      if (avail < 4) return shortStatus(rec, DecodeStatus.TruncatedTransport, DecodeStatus.MalformedTransport);
      rec.srcPort = (d[off] << 8) | d[off + 1];
      rec.dstPort = (d[off + 2] << 8) | d[off + 3];
      if (avail < 8) return shortStatus(rec, DecodeStatus.TruncatedTransport, DecodeStatus.MalformedTransport);
      rec.payloadOffset = off + 8;
      rec.payloadLength = avail - 8;
      if ((rec.srcPort === DNS_PORT || rec.dstPort === DNS_PORT) && rec.payloadLength >= 12) {
        decodeDnsQuestion(d, rec.payloadOffset, end, rec);
      }
      return DecodeStatus.Ok;
    }
    case IPPROTO_ICMP:
    case IPPROTO_ICMPV6: {
      if (avail < 2) return shortStatus(rec, DecodeStatus.TruncatedTransport, DecodeStatus.MalformedTransport);
      rec.icmpType = d[off];
      rec.icmpCode = d[off + 1];
      rec.payloadOffset = off + 4 <= end ? off + 4 : end;
      rec.payloadLength = end - rec.payloadOffset;
      return DecodeStatus.Ok;
    }
    case IPPROTO_SCTP: {
      if (avail < 4) return shortStatus(rec, DecodeStatus.TruncatedTransport, DecodeStatus.MalformedTransport);
      rec.srcPort = (d[off] << 8) | d[off + 1];
      rec.dstPort = (d[off + 2] << 8) | d[off + 3];
      rec.payloadOffset = off + 12 <= end ? off + 12 : end;
      rec.payloadLength = end - rec.payloadOffset;
      return DecodeStatus.Ok;
    }
    default:
      rec.payloadOffset = off;
      rec.payloadLength = avail > 0 ? avail : 0;
      return DecodeStatus.Ok;
  }
}
