// One readable line per packet on the terminal: time, endpoints, protocol, length, TCP flags.

import { ipv4ToString, ipv6ToString, tunnelText } from '../decode/address-format.js';
import { DECODE_STATUS_NAMES } from '../decode/decode-status.js';
import { dnsNameToString } from '../decode/dns-name.js';
import {
  IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, L3_ARP, L3_IPV4, L3_IPV6, type PacketRecord,
} from '../decode/packet-record.js';
import { dnsTypeName, protocolLabel, tcpFlagsToString } from '../decode/protocol-names.js';
import { ExportFile } from './export-file.js';
import type { PacketSink } from './packet-sink.js';
import { TimestampText } from './timestamp-text.js';

function endpoint(addr: string, port: number, v6: boolean): string {
  if (port < 0) return addr;
  return v6 ? `[${addr}]:${port}` : `${addr}:${port}`;
}

export function packetLine(rec: PacketRecord, ts: TimestampText): string {
  const time = ts.format(rec.tsSec, rec.tsNsec).slice(11, 26);
  let line: string;
  if (rec.l3 === L3_IPV4 || rec.l3 === L3_IPV6) {
    const v6 = rec.l3 === L3_IPV6;
    const src = v6 ? ipv6ToString(rec.src6) : ipv4ToString(rec.src4);
    const dst = v6 ? ipv6ToString(rec.dst6) : ipv4ToString(rec.dst4);
    line = `${time} ${endpoint(src, rec.srcPort, v6)} -> ${endpoint(dst, rec.dstPort, v6)} ${protocolLabel(rec)} ${rec.wireLen}`;
    if (rec.ipProto === IPPROTO_TCP && rec.srcPort >= 0 && rec.status === 0) line += ` [${tcpFlagsToString(rec.tcpFlags)}]`;
    if ((rec.ipProto === IPPROTO_ICMP || rec.ipProto === IPPROTO_ICMPV6) && rec.icmpType >= 0) {
      line += ` type ${rec.icmpType} code ${rec.icmpCode}`;
    }
    if (rec.dnsQnameOffset >= 0) {
      line += ` DNS ${rec.dnsIsResponse ? 'response' : 'query'} ${dnsTypeName(rec.dnsQtype)} ${dnsNameToString(rec.data, rec.dnsOffset, rec.dnsQnameOffset)}`;
    }
  } else if (rec.l3 === L3_ARP && rec.arpShaOffset >= 0) {
    const op = rec.arpOp === 1 ? 'request' : rec.arpOp === 2 ? 'reply' : `op ${rec.arpOp}`;
    line = `${time} ${ipv4ToString(rec.arpSpa)} -> ${ipv4ToString(rec.arpTpa)} ARP ${rec.wireLen} ${op}`;
  } else {
    line = `${time} ${protocolLabel(rec)} ${rec.wireLen}`;
  }
  if (rec.status !== 0) line += ` (${DECODE_STATUS_NAMES[rec.status]})`;
  if (rec.tunnelDepth > 0) line += ` via ${tunnelText(rec)}`;
  return line;
}

export class ConsolePacketSink implements PacketSink {
  private readonly out = new ExportFile('-');
  private readonly ts = new TimestampText();

  packet(rec: PacketRecord): void {
    this.out.write(packetLine(rec, this.ts) + '\n');
  }

  flush(): void { this.out.flush(); }
  finish(): void { this.out.flush(); }
  abort(): void { this.out.flush(); }
}
