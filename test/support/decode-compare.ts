// Decodes a capture with netwatch and compares each packet's fields with tshark's, counting differences.

import { openCaptureFile } from '../../src/capture/capture-file.js';
import { RawFrame } from '../../src/capture/raw-frame.js';
import { PacketDecoder } from '../../src/decode/packet-decoder.js';
import {
  IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, L3_IPV4, L3_IPV6, PacketRecord, TUNNEL_GENEVE, TUNNEL_TEREDO, TUNNEL_VXLAN,
} from '../../src/decode/packet-record.js';
import { ipv4ToString, ipv6ToString } from '../../src/decode/address-format.js';
import { dnsNameToString } from '../../src/decode/dns-name.js';
import { TSHARK_FIELDS, tsharkRows, type TsharkRow } from './tshark-fields.js';

export interface Comparison {
  packets: number;
  /** Field comparisons made, and those that differed, by field. */
  compared: Record<string, number>;
  differ: Record<string, number>;
  examples: string[];
}

export function compareWithTshark(path: string): Comparison {
  const rows = tsharkRows(path);
  const res: Comparison = { packets: 0, compared: {}, differ: {}, examples: [] };
  const check = (field: string, frameNo: number, ours: string, theirs: string | undefined): void => {
    res.compared[field] = (res.compared[field] ?? 0) + 1;
    if (ours !== theirs) {
      res.differ[field] = (res.differ[field] ?? 0) + 1;
      if (res.examples.length < 10) res.examples.push(`frame ${frameNo} ${field}: netwatch ${ours} tshark ${theirs}`);
    }
  };
  const frame = new RawFrame();
  const rec = new PacketRecord();
  const dec = new PacketDecoder();
  let reader;
  try {
    reader = openCaptureFile(path);
  } catch {
    return res;
  }
  try {
    for (;;) {
      let more: boolean;
      try { more = reader.next(frame); } catch { break; }
      if (!more) break;
      dec.decode(frame, rec);
      res.packets++;
      const row = rows.get(frame.index);
      // A tunnelled packet is decoded as the packet inside: compare with tshark's values for that header.
      const t = row !== undefined && rec.tunnelDepth > 0 ? innerValues(row, rec) : row;
      check('presence', frame.index, 'yes', t === undefined ? 'no' : 'yes');
      if (t === undefined) continue;
      check('frame.len', frame.index, String(rec.wireLen), t['frame.len']);
      if (rec.l3 === L3_IPV4) {
        check('ip.src', frame.index, ipv4ToString(rec.src4), t['ip.src']);
        check('ip.dst', frame.index, ipv4ToString(rec.dst4), t['ip.dst']);
      } else if (rec.l3 === L3_IPV6) {
        check('ipv6.src', frame.index, ipv6ToString(rec.src6), t['ipv6.src']);
        check('ipv6.dst', frame.index, ipv6ToString(rec.dst6), t['ipv6.dst']);
      }
      if (rec.ipProto === IPPROTO_TCP && rec.srcPort >= 0) {
        check('tcp.srcport', frame.index, String(rec.srcPort), t['tcp.srcport']);
        check('tcp.dstport', frame.index, String(rec.dstPort), t['tcp.dstport']);
        if (rec.status === 0 || rec.tcpFlags !== 0) {
          check('tcp.flags', frame.index, '0x' + rec.tcpFlags.toString(16).padStart(4, '0'), t['tcp.flags']);
        }
      } else if (rec.ipProto === IPPROTO_UDP && rec.srcPort >= 0) {
        check('udp.srcport', frame.index, String(rec.srcPort), t['udp.srcport']);
        check('udp.dstport', frame.index, String(rec.dstPort), t['udp.dstport']);
      } else if (rec.ipProto === IPPROTO_ICMP && rec.icmpType >= 0) {
        check('icmp.type', frame.index, String(rec.icmpType), t['icmp.type']);
      } else if (rec.ipProto === IPPROTO_ICMPV6 && rec.icmpType >= 0) {
        check('icmpv6.type', frame.index, String(rec.icmpType), t['icmpv6.type']);
      }
      if (rec.dnsQnameOffset >= 0) {
        const name = dnsNameToString(rec.data, rec.dnsOffset, rec.dnsQnameOffset);
        const theirs = t['dns.qry.name'] === '<Root>' ? '' : t['dns.qry.name'];
        check('dns.qry.name', frame.index, name, theirs);
      }
    }
  } finally {
    reader.close();
  }
  return res;
}

function innerValues(row: TsharkRow, rec: PacketRecord): TsharkRow {
  const out = { all: row.all } as TsharkRow;
  // IP fields: the outer headers of the same version come first. UDP fields: a UDP-borne tunnel's own UDP
  // header comes first. TCP, ICMP and DNS: tunnels carry none of their own, so the first is the inner one
  // (a later one would be the header an ICMP error quotes).
  const ipIndex = rec.outerVersion === rec.l3 ? rec.tunnelDepth : 0;
  const udpIndex = rec.tunnel === TUNNEL_VXLAN || rec.tunnel === TUNNEL_GENEVE || rec.tunnel === TUNNEL_TEREDO ? 1 : 0;
  for (const f of TSHARK_FIELDS) {
    const i = f.startsWith('ip.') || f.startsWith('ipv6.') ? ipIndex : f.startsWith('udp.') ? udpIndex : 0;
    out[f] = row.all[f][i] ?? '';
  }
  out['frame.number'] = row['frame.number'];
  out['frame.len'] = row['frame.len'];
  return out;
}
