// DNS: validates the first question of a message in place and records where its name is and its type.

import type { PacketRecord } from './packet-record.js';

const MAX_NAME_LENGTH = 255;
const MAX_POINTER_HOPS = 16;

/** Fills rec.dns* when data[msg..end) holds a DNS message with a well-formed first question. */
export function decodeDnsQuestion(d: Uint8Array, msg: number, end: number, rec: PacketRecord): void {
  if (end - msg < 12) return;
  const qdcount = (d[msg + 4] << 8) | d[msg + 5];
  if (qdcount === 0) return;
  const nameStart = msg + 12;
  let p = nameStart;
  let after = -1; // where the question continues once the name has ended
  let nameLen = 0;
  let hops = 0;
  for (;;) {
    if (p >= end) return;
    const len = d[p];
    if (len === 0) {
      if (after < 0) after = p + 1;
      break;
    }
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      if (p + 1 >= end || ++hops > MAX_POINTER_HOPS) return;
      if (after < 0) after = p + 2;
      const target = msg + (((len & 0x3f) << 8) | d[p + 1]);
      if (target >= p) return; // pointers must point backwards, or a loop is possible
      p = target;
      continue;
    }
    if (kind !== 0) return;
    nameLen += len + 1;
    if (nameLen > MAX_NAME_LENGTH) return;
    p += len + 1;
  }
  rec.dnsOffset = msg;
  rec.dnsQnameOffset = nameStart;
  rec.dnsIsResponse = (d[msg + 2] & 0x80) !== 0;
  rec.dnsQtype = after + 2 <= end ? (d[after] << 8) | d[after + 1] : -1;
}
