// Closed flows as JSON Lines, in the spirit of Zeek's conn.log, each with its Community ID and its flow_id
// (the number alerts about the flow carry, as in Suricata's EVE).

import { wordsToString } from '../track/address-key.js';
import { CLOSE_REASON_NAMES, type CloseReason, type FlowTable } from '../track/flow-table.js';
import { epochTimestamp } from '../alert/eve-alert.js';
import { eveProtocolName } from '../decode/protocol-names.js';
import type { FlowSink } from '../detect/detection-engine.js';
import { ExportFile } from './export-file.js';

export class JsonlFlowSink implements FlowSink {
  private readonly file: ExportFile;
  count = 0;
  constructor(path: string) {
    this.file = new ExportFile(path);
  }

  flow(f: FlowTable, s: number, reason: CloseReason): void {
    const first = f.firstSeen(s);
    const rec = {
      ts: epochTimestamp(first),
      flow_id: f.serialOf(s),
      src_ip: wordsToString(f.addrs, f.origAddrOffset(s)),
      src_port: f.origPort(s),
      dest_ip: wordsToString(f.addrs, f.respAddrOffset(s)),
      dest_port: f.respPort(s),
      proto: eveProtocolName(f.proto(s)),
      duration: f.duration(s),
      orig_pkts: f.packets(s, 0), orig_bytes: f.bytes(s, 0),
      resp_pkts: f.packets(s, 1), resp_bytes: f.bytes(s, 1),
      conn_state: f.connState(s),
      history: f.historyText(s),
      close_reason: CLOSE_REASON_NAMES[reason],
      community_id: f.communityId(s),
    };
    this.count++;
    this.file.write(JSON.stringify(rec) + '\n');
  }

  finish(): void { this.file.commit(); }
  abort(): void { this.file.abort(); }
}
