// Tunnel headers: where a decoded packet's payload holds another packet, and whether that one begins with
// an Ethernet or an IP header. IPv4/IPv6 in IP (protocols 4 and 41), GRE version 0 carrying IP, Ethernet
// (transparent bridging) or ERSPAN types I-III, VXLAN (UDP 4789), Geneve (UDP 6081) and Teredo (UDP 3544,
// with its authentication and origin indications). Offsets only; nothing is copied.

import {
  TUNNEL_ERSPAN, TUNNEL_GENEVE, TUNNEL_GRE, TUNNEL_IP_IN_IP, TUNNEL_TEREDO, TUNNEL_VXLAN, IPPROTO_UDP, type PacketRecord,
} from './packet-record.js';
import { ETH_BRIDGED, ETH_ERSPAN_II, ETH_ERSPAN_III, ETH_IPV4, ETH_IPV6 } from './ether-types.js';

const IPPROTO_IPIP = 4;
const IPPROTO_IPV6 = 41;
const IPPROTO_GRE = 47;
const VXLAN_PORT = 4789;
const GENEVE_PORT = 6081;
const TEREDO_PORT = 3544;

/** UDP (VXLAN, Geneve, Teredo), GRE and IP in IP: the only packets find() looks into (TCP never), checked before calling it. */
export function mayCarryTunnel(p: number): boolean {
  return p === IPPROTO_UDP || p === IPPROTO_GRE || p === IPPROTO_IPIP || p === IPPROTO_IPV6;
}

export class TunnelHeaders {
  /** What find() found: the tunnel's kind (TUNNEL_*), where the inner packet starts and ends, and its first header. */
  kind = 0;
  at = 0;
  end = 0;
  ethernet = false;
  /** VXLAN's or Geneve's network identifier (24 bits), -1 for the other tunnels. */
  vni = -1;

  /** Whether the packet just decoded into rec carries another packet (rec's payload must be its own: not a later fragment). */
  find(d: Uint8Array, rec: PacketRecord): boolean {
    const o = rec.payloadOffset;
    const end = o + rec.payloadLength;
    this.end = end;
    const n = end - o;
    const p = rec.ipProto;
    this.vni = -1;
    if (p === IPPROTO_IPIP || p === IPPROTO_IPV6) return n > 0 && this.found(TUNNEL_IP_IN_IP, o, false);
    if (p === IPPROTO_GRE) return this.gre(d, o, end);
    if (p !== IPPROTO_UDP || n < 8) return false;
    if (rec.dstPort === VXLAN_PORT) {
      // Flags with the I bit (a valid network identifier), then an Ethernet frame.
      if ((d[o] & 0x08) === 0) return false;
      this.vni = (d[o + 4] << 16) | (d[o + 5] << 8) | d[o + 6];
      return this.found(TUNNEL_VXLAN, o + 8, true);
    }
    if (rec.dstPort === GENEVE_PORT) {
      if (d[o] >> 6 !== 0) return false;
      const at = o + 8 + ((d[o] & 0x3f) << 2);
      this.vni = (d[o + 4] << 16) | (d[o + 5] << 8) | d[o + 6];
      return at < end && this.byType(TUNNEL_GENEVE, (d[o + 2] << 8) | d[o + 3], at);
    }
    if (rec.srcPort === TEREDO_PORT || rec.dstPort === TEREDO_PORT) return this.teredo(d, o, end);
    return false;
  }

  private found(kind: number, at: number, ethernet: boolean): boolean {
    this.kind = kind;
    this.at = at;
    this.ethernet = ethernet;
    return true;
  }

  private byType(kind: number, type: number, at: number): boolean {
    if (type === ETH_IPV4 || type === ETH_IPV6) return this.found(kind, at, false);
    if (type === ETH_BRIDGED) return this.found(kind, at, true);
    return false;
  }

  /** GRE version 0 (RFC 2784/2890): checksum, key and sequence words as its flags say; no source routing. */
  private gre(d: Uint8Array, o: number, end: number): boolean {
    if (end - o < 4) return false;
    const f = d[o];
    if ((d[o + 1] & 0x07) !== 0 || (f & 0x40) !== 0) return false;
    let at = o + 4;
    if ((f & 0x80) !== 0) at += 4;
    if ((f & 0x20) !== 0) at += 4;
    const seq = (f & 0x10) !== 0;
    if (seq) at += 4;
    if (at >= end) return false;
    const type = (d[o + 2] << 8) | d[o + 3];
    if (type === ETH_ERSPAN_II) {
      // Type I has no sequence number and no ERSPAN header; type II has both and an 8-byte header.
      if (seq) at += 8;
      return at < end && this.found(TUNNEL_ERSPAN, at, true);
    }
    if (type === ETH_ERSPAN_III) {
      // A 12-byte header, and an 8-byte platform subheader when its O bit is set.
      if (end - at < 12) return false;
      at += (d[at + 11] & 0x01) !== 0 ? 20 : 12;
      return at < end && this.found(TUNNEL_ERSPAN, at, true);
    }
    return this.byType(TUNNEL_GRE, type, at);
  }

  /** Teredo (RFC 4380): optional authentication and origin indications, then an IPv6 packet whose length fits exactly. */
  private teredo(d: Uint8Array, o: number, end: number): boolean {
    let at = o;
    if (end - at >= 4 && d[at] === 0 && d[at + 1] === 1) at += 4 + d[at + 2] + d[at + 3] + 9;
    if (end - at >= 8 && d[at] === 0 && d[at + 1] === 0) at += 8;
    if (end - at < 40 || d[at] >> 4 !== 6) return false;
    if (((d[at + 4] << 8) | d[at + 5]) + 40 !== end - at) return false;
    return this.found(TUNNEL_TEREDO, at, false);
  }
}
