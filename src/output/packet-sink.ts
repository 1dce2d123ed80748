// What receives each decoded packet after the summary: console lines, CSV or JSON Lines exports.

import type { PacketRecord } from '../decode/packet-record.js';

export interface PacketSink {
  packet(rec: PacketRecord): void;
  /** End of a batch: push buffered output out (live capture shows lines as they come). */
  flush(): void;
  /** The run completed: make the output final. */
  finish(): void;
  /** The run failed: leave nothing half-written behind. */
  abort(): void;
}
