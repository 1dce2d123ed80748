// Tells a header cut by the snapshot length (truncated) from one whose own lengths lie (malformed).

import { DecodeStatus } from './decode-status.js';
import type { PacketRecord } from './packet-record.js';

export function shortStatus(rec: PacketRecord, truncated: DecodeStatus, malformed: DecodeStatus): DecodeStatus {
  return rec.capLen < rec.wireLen ? truncated : malformed;
}
