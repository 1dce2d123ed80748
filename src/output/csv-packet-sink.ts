// Packets as CSV: the design's seven columns first, extra columns after, quoted only where needed.

import type { PacketRecord } from '../decode/packet-record.js';
import { ExportFile } from './export-file.js';
import type { PacketSink } from './packet-sink.js';
import { PACKET_COLUMNS, PacketRow } from './packet-row.js';
import { csvField } from './csv-field.js';

export class CsvPacketSink implements PacketSink {
  private readonly out: ExportFile;
  private readonly row = new PacketRow();

  constructor(path: string) {
    this.out = new ExportFile(path);
    this.out.write(PACKET_COLUMNS.join(',') + '\n');
  }

  packet(rec: PacketRecord): void {
    const v = this.row.fill(rec);
    let line = csvField(v[0]);
    for (let i = 1; i < v.length; i++) line += ',' + csvField(v[i]);
    this.out.write(line + '\n');
  }

  flush(): void { this.out.flush(); }
  finish(): void { this.out.commit(); }
  abort(): void { this.out.abort(); }
}
