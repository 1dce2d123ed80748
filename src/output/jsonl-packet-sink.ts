// Packets as JSON Lines, one object per packet, keys as the CSV header, fields that do not apply left out.

import type { PacketRecord } from '../decode/packet-record.js';
import { ExportFile } from './export-file.js';
import type { PacketSink } from './packet-sink.js';
import { PACKET_COLUMNS, PacketRow } from './packet-row.js';

export class JsonlPacketSink implements PacketSink {
  private readonly out: ExportFile;
  private readonly row = new PacketRow();

  constructor(path: string) {
    this.out = new ExportFile(path);
  }

  packet(rec: PacketRecord): void {
    const v = this.row.fill(rec);
    const obj: Record<string, string | number> = {};
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (x !== null) obj[PACKET_COLUMNS[i]] = x;
    }
    this.out.write(JSON.stringify(obj) + '\n');
  }

  flush(): void { this.out.flush(); }
  finish(): void { this.out.commit(); }
  abort(): void { this.out.abort(); }
}
