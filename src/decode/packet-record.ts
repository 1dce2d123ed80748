// The one reused record the decoder fills per packet: numbers and byte offsets only, never strings.

import { DecodeStatus } from './decode-status.js';

/** Layer-3 kinds, numeric so comparisons stay cheap. */
export const L3_NONE = 0;
export const L3_ARP = 1;
export const L3_IPV4 = 4;
export const L3_IPV6 = 6;

/** IP fragment position: whole datagram, first fragment (has the transport header), later fragment. */
export const FRAG_NONE = 0;
export const FRAG_FIRST = 1;
export const FRAG_LATER = 2;

export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_ICMPV6 = 58;

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;
export const TCP_ECE = 0x40;
export const TCP_CWR = 0x80;
export const TCP_AE = 0x100;

/** An ICMP echo request of its own protocol version: type 8 in ICMPv4, 128 in ICMPv6 (each is something else in the other). */
export function isEchoRequest(rec: PacketRecord): boolean {
  return rec.icmpType === (rec.ipProto === IPPROTO_ICMP ? 8 : 128);
}

/** An ICMP echo reply of its own protocol version: type 0 in ICMPv4, 129 in ICMPv6. */
export function isEchoReply(rec: PacketRecord): boolean {
  return rec.icmpType === (rec.ipProto === IPPROTO_ICMP ? 0 : 129);
}

/** Tunnels decapsulated: the kind of the outermost one. */
export const TUNNEL_NONE = 0;
export const TUNNEL_IP_IN_IP = 1;
export const TUNNEL_GRE = 2;
export const TUNNEL_ERSPAN = 3;
export const TUNNEL_VXLAN = 4;
export const TUNNEL_GENEVE = 5;
export const TUNNEL_TEREDO = 6;
export const TUNNEL_NAMES = ['', 'ip-in-ip', 'gre', 'erspan', 'vxlan', 'geneve', 'teredo'] as const;

export class PacketRecord {
  status: DecodeStatus = DecodeStatus.Ok;
  /** The frame's buffer; offsets below index into it. */
  data: Uint8Array = new Uint8Array(0);
  index = 0;
  tsSec = 0;
  tsNsec = 0;
  capLen = 0;
  wireLen = 0;
  linkType = 0;

  /** Ethernet source MAC offset in data, or -1 when the link layer has none. */
  macSrcOffset = -1;
  /** Final EtherType after VLAN/MPLS tags (0 when the link layer has no EtherType). */
  etherType = 0;
  vlanCount = 0;
  /** Outermost VLAN ID, or -1 when untagged. */
  vlanId = -1;

  l3 = L3_NONE;
  /** IPv4 addresses as unsigned 32-bit integers. */
  src4 = 0;
  dst4 = 0;
  /** IPv6 addresses, copied here so the record stays valid whatever happens to the frame buffer. */
  readonly src6 = new Uint8Array(16);
  readonly dst6 = new Uint8Array(16);
  ttl = 0;
  /** Transport protocol: IPv4 protocol, or IPv6 next header after the extension-header chain. */
  ipProto = -1;
  fragment = FRAG_NONE;
  /** A fragment's datagram identification: IPv4's 16-bit ID, IPv6's 32-bit fragment header identification (0 otherwise). */
  fragId = 0;
  /** IPv4 header carried options / IPv6 carried extension headers. */
  ipOptions = false;
  /** An IPv6 hop-by-hop or destination-options header carried an option type IANA has not assigned. */
  ipv6UnknownOption = false;

  srcPort = -1;
  dstPort = -1;
  /** TCP flags, 12 bits (AE/NS and reserved bits above the classic 8). */
  tcpFlags = 0;
  tcpWindow = 0;
  tcpSeq = 0;
  tcpAck = 0;
  icmpType = -1;
  icmpCode = -1;
  /** Transport payload, captured part only. */
  payloadOffset = 0;
  payloadLength = 0;

  /** DNS: offset of the DNS message and of the first question's name, or -1. */
  dnsOffset = -1;
  dnsQnameOffset = -1;
  dnsQtype = -1;
  dnsIsResponse = false;

  arpOp = 0;
  /** ARP sender/target protocol addresses (IPv4) and the sender hardware address offset. */
  arpSpa = 0;
  arpTpa = 0;
  arpShaOffset = -1;

  /**
   * A tunnelled packet: the fields above describe the innermost packet, and these the tunnel: the outermost
   * tunnel's kind (TUNNEL_*), how many tunnels were opened, and the outermost IP header's version (L3_IPV4
   * or L3_IPV6) and addresses, kept as src4/dst4 and src6/dst6 are.
   */
  tunnel = TUNNEL_NONE;
  tunnelDepth = 0;
  /**
   * The network identifier of the innermost tunnel that carried an Ethernet frame (VXLAN's or Geneve's
   * 24-bit VNI), or -1: with the outer VLAN it names the layer-2 segment, where overlay tenants may reuse
   * addresses.
   */
  vni = -1;
  outerVersion = 0;
  outerSrc4 = 0;
  outerDst4 = 0;
  readonly outerSrc6 = new Uint8Array(16);
  readonly outerDst6 = new Uint8Array(16);

  reset(): void {
    this.status = DecodeStatus.Ok;
    this.macSrcOffset = -1;
    this.etherType = 0;
    this.vlanCount = 0;
    this.vlanId = -1;
    this.tunnel = TUNNEL_NONE;
    this.tunnelDepth = 0;
    this.vni = -1;
    this.outerVersion = 0;
    this.resetInner();
  }

  /** Clears what a tunnel's inner packet decodes again (link fields, frame, time and the tunnel itself stay). */
  resetInner(): void {
    this.l3 = L3_NONE;
    this.src4 = 0;
    this.dst4 = 0;
    this.ttl = 0;
    this.ipProto = -1;
    this.fragment = FRAG_NONE;
    this.fragId = 0;
    this.ipOptions = false;
    this.ipv6UnknownOption = false;
    this.srcPort = -1;
    this.dstPort = -1;
    this.tcpFlags = 0;
    this.tcpWindow = 0;
    this.tcpSeq = 0;
    this.tcpAck = 0;
    this.icmpType = -1;
    this.icmpCode = -1;
    this.payloadOffset = 0;
    this.payloadLength = 0;
    this.dnsOffset = -1;
    this.dnsQnameOffset = -1;
    this.dnsQtype = -1;
    this.dnsIsResponse = false;
    this.arpOp = 0;
    this.arpSpa = 0;
    this.arpTpa = 0;
    this.arpShaOffset = -1;
  }
}
