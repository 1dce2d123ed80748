// The exported view of one packet (CSV columns and JSON keys), filled from the record only when exporting.

import { ipv4ToString, ipv6ToString, tunnelText } from '../decode/address-format.js';
import { DECODE_STATUS_NAMES } from '../decode/decode-status.js';
import { dnsNameToString } from '../decode/dns-name.js';
import { IPPROTO_TCP, L3_ARP, L3_IPV4, L3_IPV6, type PacketRecord } from '../decode/packet-record.js';
import { dnsTypeName, protocolLabel, tcpFlagsToString } from '../decode/protocol-names.js';
import { TimestampText } from './timestamp-text.js';

/** The first seven are the design's fixed columns; the rest follow them. */
export const PACKET_COLUMNS = [
  'timestamp', 'src_ip', 'dst_ip', 'src_port', 'dst_port', 'protocol', 'length',
  'tcp_flags', 'ttl', 'ip_version', 'vlan', 'icmp_type', 'icmp_code', 'dns_qname', 'dns_qtype', 'frame', 'decode_status', 'tunnel',
] as const;

export type PacketColumn = (typeof PACKET_COLUMNS)[number];

/** Values in column order; '' (CSV) or absent (JSON) where a field does not apply. */
export class PacketRow {
  readonly values: (string | number | null)[] = new Array(PACKET_COLUMNS.length).fill(null);
  private readonly ts = new TimestampText();

  fill(rec: PacketRecord): (string | number | null)[] {
    const v = this.values;
    v[0] = this.ts.format(rec.tsSec, rec.tsNsec);
    if (rec.l3 === L3_IPV4) {
      v[1] = ipv4ToString(rec.src4);
      v[2] = ipv4ToString(rec.dst4);
    } else if (rec.l3 === L3_IPV6) {
      v[1] = ipv6ToString(rec.src6);
      v[2] = ipv6ToString(rec.dst6);
    } else if (rec.l3 === L3_ARP && rec.arpShaOffset >= 0) {
      // ARP's sender and target protocol addresses fill the IP columns so sweeps and spoofing are visible.
      v[1] = ipv4ToString(rec.arpSpa);
      v[2] = ipv4ToString(rec.arpTpa);
    } else {
      v[1] = null;
      v[2] = null;
    }
    v[3] = rec.srcPort >= 0 ? rec.srcPort : null;
    v[4] = rec.dstPort >= 0 ? rec.dstPort : null;
    v[5] = protocolLabel(rec);
    v[6] = rec.wireLen;
    v[7] = rec.ipProto === IPPROTO_TCP && rec.srcPort >= 0 && rec.status === 0 ? tcpFlagsToString(rec.tcpFlags) : null;
    v[8] = rec.l3 === L3_IPV4 || rec.l3 === L3_IPV6 ? rec.ttl : null;
    v[9] = rec.l3 === L3_IPV4 ? 4 : rec.l3 === L3_IPV6 ? 6 : null;
    v[10] = rec.vlanId >= 0 ? rec.vlanId : null;
    v[11] = rec.icmpType >= 0 ? rec.icmpType : null;
    v[12] = rec.icmpCode >= 0 ? rec.icmpCode : null;
    v[13] = rec.dnsQnameOffset >= 0 ? dnsNameToString(rec.data, rec.dnsOffset, rec.dnsQnameOffset) : null;
    v[14] = rec.dnsQtype >= 0 ? dnsTypeName(rec.dnsQtype) : null;
    v[15] = rec.index;
    v[16] = DECODE_STATUS_NAMES[rec.status];
    // The outermost tunnel the packet came through (the columns before describe the packet inside it).
    v[17] = rec.tunnelDepth > 0 ? tunnelText(rec) : null;
    return v;
  }
}
