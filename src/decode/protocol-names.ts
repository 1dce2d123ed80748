// Names for IP protocols, the protocol column of exports, TCP flag letters and DNS record types.

import { L3_ARP, L3_NONE, type PacketRecord } from './packet-record.js';

const IP_PROTOCOLS: Readonly<Record<number, string>> = {
  0: 'HOPOPT', 1: 'ICMP', 2: 'IGMP', 4: 'IPIP', 6: 'TCP', 8: 'EGP', 17: 'UDP', 41: 'IPv6', 43: 'IPv6-Route',
  44: 'IPv6-Frag', 46: 'RSVP', 47: 'GRE', 50: 'ESP', 51: 'AH', 58: 'ICMPv6', 59: 'IPv6-NoNxt', 60: 'IPv6-Opts',
  88: 'EIGRP', 89: 'OSPF', 103: 'PIM', 112: 'VRRP', 113: 'PGM', 115: 'L2TP', 132: 'SCTP', 135: 'Mobility',
  136: 'UDPLite', 137: 'MPLS-in-IP',
};

const IP_PROTOCOL_NAMES: string[] = Array.from({ length: 256 }, (_, i) => IP_PROTOCOLS[i] ?? `IP-${i}`);

export function ipProtocolName(proto: number): string {
  return proto >= 0 && proto < 256 ? IP_PROTOCOL_NAMES[proto] : 'unknown';
}

/** A protocol as Suricata's EVE records name it (ICMPv6 is "IPv6-ICMP"): alerts and flows, so they join. */
export function eveProtocolName(proto: number): string {
  return proto === 58 ? 'IPv6-ICMP' : ipProtocolName(proto);
}

/** The export's protocol column: the transport for IP, "ARP", or the EtherType for everything else. */
export function protocolLabel(rec: PacketRecord): string {
  if (rec.l3 === L3_ARP) return 'ARP';
  if (rec.l3 === L3_NONE) {
    return rec.etherType !== 0 ? `ETH-0x${rec.etherType.toString(16).padStart(4, '0')}` : 'unknown';
  }
  return ipProtocolName(rec.ipProto);
}

const FLAG_LETTERS = 'FSRPAUEC';

/** tcpdump-style letters: F S R P A U E C, plus N for the AE/NS bit. */
export function tcpFlagsToString(flags: number): string {
  let s = '';
  for (let i = 0; i < 8; i++) if ((flags & (1 << i)) !== 0) s += FLAG_LETTERS[i];
  if ((flags & 0x100) !== 0) s += 'N';
  return s;
}

const DNS_TYPES: Readonly<Record<number, string>> = {
  1: 'A', 2: 'NS', 5: 'CNAME', 6: 'SOA', 10: 'NULL', 12: 'PTR', 13: 'HINFO', 15: 'MX', 16: 'TXT', 28: 'AAAA',
  33: 'SRV', 35: 'NAPTR', 41: 'OPT', 43: 'DS', 46: 'RRSIG', 47: 'NSEC', 48: 'DNSKEY', 64: 'SVCB', 65: 'HTTPS',
  99: 'SPF', 252: 'AXFR', 255: 'ANY', 257: 'CAA',
};

export function dnsTypeName(t: number): string {
  return DNS_TYPES[t] ?? `TYPE${t}`;
}
