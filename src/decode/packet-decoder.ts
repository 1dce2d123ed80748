// Link layers (Ethernet with stacked VLAN/MPLS, Linux SLL/SLL2, BSD null/loop, raw IP) and dispatch to IP and ARP.

import type { RawFrame } from '../capture/raw-frame.js';
import { DECODE_STATUS_COUNT, DecodeStatus } from './decode-status.js';
import {
  LINKTYPE_ETHERNET, LINKTYPE_IPV4, LINKTYPE_IPV6, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2, LINKTYPE_LOOP,
  LINKTYPE_NULL, LINKTYPE_RAW, LINKTYPE_RAW_ALT_12, LINKTYPE_RAW_ALT_14,
} from './link-types.js';
import { FRAG_NONE, L3_IPV4, L3_IPV6, type PacketRecord } from './packet-record.js';
import { mayCarryTunnel, TunnelHeaders } from './tunnel-headers.js';
import { ETH_ARP, ETH_IPV4, ETH_IPV6, ETH_MPLS, ETH_MPLS_MCAST, ETH_QINQ, ETH_QINQ_OLD, ETH_VLAN } from './ether-types.js';
import { decodeIpv4 } from './ipv4.js';
import { decodeIpv6 } from './ipv6.js';
import { decodeArp } from './arp.js';
import { shortStatus } from './short-status.js';


/** Address-family values for IPv6 in BSD null/loop headers (Linux 10, NetBSD/OpenBSD 24, FreeBSD 28, Darwin 30). */
function isAfInet6(af: number): boolean {
  return af === 10 || af === 24 || af === 28 || af === 30;
}

/** Tunnels inside tunnels opened at most (a crafted packet could nest many). */
const MAX_TUNNEL_DEPTH = 4;

export class PacketDecoder {
  /** Packets per DecodeStatus, indexed by the enum value. */
  readonly statusCounts = new Float64Array(DECODE_STATUS_COUNT);
  private readonly tunnels = new TunnelHeaders();

  decode(frame: RawFrame, rec: PacketRecord): DecodeStatus {
    let status = this.decodeTo(frame, rec, MAX_TUNNEL_DEPTH);
    if (status !== DecodeStatus.Ok && rec.tunnelDepth > 0) {
      // What looked like a tunnel holds no packet that decodes (a crafted header on UDP 4789, a frame cut
      // by the snap length): the packet is what it was outside that tunnel, so nothing hides inside one.
      status = this.decodeTo(frame, rec, rec.tunnelDepth - 1);
    }
    rec.status = status;
    this.statusCounts[status]++;
    return status;
  }

  /** Decodes the frame, opening at most maxDepth tunnels. */
  private decodeTo(frame: RawFrame, rec: PacketRecord, maxDepth: number): DecodeStatus {
    rec.reset();
    const d = frame.data;
    rec.data = d;
    rec.index = frame.index;
    rec.tsSec = frame.tsSec;
    rec.tsNsec = frame.tsNsec;
    rec.capLen = frame.capLen;
    rec.wireLen = frame.wireLen;
    rec.linkType = frame.linkType;
    const start = frame.offset;
    const end = start + frame.capLen;
    let status: DecodeStatus;
    switch (frame.linkType) {
      case LINKTYPE_ETHERNET:
        status = this.ethernet(d, start, end, rec);
        break;
      case LINKTYPE_LINUX_SLL:
        status = end - start < 16
          ? shortStatus(rec, DecodeStatus.TruncatedLink, DecodeStatus.TruncatedLink)
          : this.etherType(d, (d[start + 14] << 8) | d[start + 15], start + 16, end, rec);
        break;
      case LINKTYPE_LINUX_SLL2:
        status = end - start < 20
          ? shortStatus(rec, DecodeStatus.TruncatedLink, DecodeStatus.TruncatedLink)
          : this.etherType(d, (d[start] << 8) | d[start + 1], start + 20, end, rec);
        break;
      case LINKTYPE_NULL:
      case LINKTYPE_LOOP: {
        if (end - start < 4) {
          status = shortStatus(rec, DecodeStatus.TruncatedLink, DecodeStatus.TruncatedLink);
          break;
        }
        // NULL stores the family in the capturing host's byte order; LOOP always big-endian.
        let af = (d[start] << 24 | d[start + 1] << 16 | d[start + 2] << 8 | d[start + 3]) >>> 0;
        if (frame.linkType === LINKTYPE_NULL && (af & 0xffff0000) !== 0) {
          af = (d[start + 3] << 24 | d[start + 2] << 16 | d[start + 1] << 8 | d[start]) >>> 0;
        }
        status = af === 2
          ? decodeIpv4(d, start + 4, end, rec)
          : isAfInet6(af) ? decodeIpv6(d, start + 4, end, rec) : DecodeStatus.NonIp;
        break;
      }
      case LINKTYPE_RAW:
      case LINKTYPE_RAW_ALT_12:
      case LINKTYPE_RAW_ALT_14:
        status = this.rawIp(d, start, end, rec);
        break;
      case LINKTYPE_IPV4:
        status = decodeIpv4(d, start, end, rec);
        break;
      case LINKTYPE_IPV6:
        status = decodeIpv6(d, start, end, rec);
        break;
      default:
        status = DecodeStatus.UnsupportedLink;
    }
    if (maxDepth > 0 && status === DecodeStatus.Ok && rec.payloadLength > 0 && rec.fragment === FRAG_NONE && mayCarryTunnel(rec.ipProto)) {
      status = this.decapsulate(d, rec, maxDepth);
    }
    return status;
  }

  /**
   * Opens tunnels (tunnel-headers.ts) while the packet decoded so far carries another: the record then
   * describes the innermost packet, with the outermost tunnel's kind and IP addresses beside it, and the
   * outer frame's VLAN. The status is the inner packet's (decode() falls back when it is not ok).
   */
  private decapsulate(d: Uint8Array, rec: PacketRecord, maxDepth: number): DecodeStatus {
    const t = this.tunnels;
    const vlanCount = rec.vlanCount;
    const vlanId = rec.vlanId;
    let status: DecodeStatus = DecodeStatus.Ok;
    while (status === DecodeStatus.Ok && rec.tunnelDepth < maxDepth && (rec.l3 === L3_IPV4 || rec.l3 === L3_IPV6) &&
      rec.fragment === FRAG_NONE && t.find(d, rec)) {
      if (rec.tunnelDepth === 0) {
        rec.tunnel = t.kind;
        rec.outerVersion = rec.l3;
        if (rec.l3 === L3_IPV4) {
          rec.outerSrc4 = rec.src4;
          rec.outerDst4 = rec.dst4;
        } else {
          rec.outerSrc6.set(rec.src6);
          rec.outerDst6.set(rec.dst6);
        }
      }
      rec.tunnelDepth++;
      rec.resetInner();
      if (t.ethernet && t.vni >= 0) rec.vni = t.vni;
      if (t.ethernet) {
        status = this.ethernet(d, t.at, t.end, rec);
      } else {
        rec.etherType = d[t.at] >> 4 === 6 ? ETH_IPV6 : ETH_IPV4;
        status = this.rawIp(d, t.at, t.end, rec);
      }
    }
    rec.vlanCount = vlanCount;
    rec.vlanId = vlanId;
    return status;
  }

  private ethernet(d: Uint8Array, off: number, end: number, rec: PacketRecord): DecodeStatus {
    if (end - off < 14) return shortStatus(rec, DecodeStatus.TruncatedLink, DecodeStatus.TruncatedLink);
    rec.macSrcOffset = off + 6;
    return this.etherType(d, (d[off + 12] << 8) | d[off + 13], off + 14, end, rec);
  }

  private etherType(d: Uint8Array, type: number, off: number, end: number, rec: PacketRecord): DecodeStatus {
    while (type === ETH_VLAN || type === ETH_QINQ || type === ETH_QINQ_OLD) {
      if (end - off < 4) return shortStatus(rec, DecodeStatus.TruncatedLink, DecodeStatus.TruncatedLink);
      if (rec.vlanCount === 0) rec.vlanId = ((d[off] << 8) | d[off + 1]) & 0x0fff;
      rec.vlanCount++;
      type = (d[off + 2] << 8) | d[off + 3];
      off += 4;
    }
    rec.etherType = type;
    switch (type) {
      case ETH_IPV4: return decodeIpv4(d, off, end, rec);
      case ETH_IPV6: return decodeIpv6(d, off, end, rec);
      case ETH_ARP: return decodeArp(d, off, end, rec);
      case ETH_MPLS:
      case ETH_MPLS_MCAST: {
        // Pop labels to the bottom of the stack, then guess the payload from the IP version nibble.
        for (;;) {
          if (end - off < 4) return shortStatus(rec, DecodeStatus.TruncatedLink, DecodeStatus.TruncatedLink);
          const bottom = (d[off + 2] & 0x01) !== 0;
          off += 4;
          if (bottom) break;
        }
        return this.rawIp(d, off, end, rec);
      }
      default:
        return DecodeStatus.NonIp;
    }
  }

  private rawIp(d: Uint8Array, off: number, end: number, rec: PacketRecord): DecodeStatus {
    if (end - off < 1) return shortStatus(rec, DecodeStatus.TruncatedIp, DecodeStatus.MalformedIp);
    const v = d[off] >> 4;
    if (v === 4) return decodeIpv4(d, off, end, rec);
    if (v === 6) return decodeIpv6(d, off, end, rec);
    return DecodeStatus.MalformedIp;
  }
}
