// Community ID v1 (github.com/corelight/community-id-spec) of a flow, computed when an alert or export
// needs it, never per packet.

import { createHash } from 'node:crypto';
import { isIpv4Words } from './address-key.js';

const ICMP4_PAIR: Readonly<Record<number, number>> = { 8: 0, 0: 8, 13: 14, 14: 13, 15: 16, 16: 15, 10: 9, 9: 10, 17: 18, 18: 17 };
const ICMP6_PAIR: Readonly<Record<number, number>> = {
  128: 129, 129: 128, 133: 134, 134: 133, 135: 136, 136: 135, 130: 131, 131: 130, 139: 140, 140: 139, 144: 145, 145: 144,
};

function pairTable(pairs: Readonly<Record<number, number>>): Int16Array {
  const t = new Int16Array(256).fill(-1);
  for (const [k, v] of Object.entries(pairs)) t[Number(k)] = v;
  return t;
}

/** For ICMP types with a counterpart (echo/reply...), the counterpart; -1 for one-way messages (spec: port equivalents). */
export const ICMP4_COUNTERPART = pairTable(ICMP4_PAIR);
export const ICMP6_COUNTERPART = pairTable(ICMP6_PAIR);

function addrBytes(w: Uint32Array | number[], off: number): Buffer {
  if (isIpv4Words(w, off)) {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(w[off + 3] >>> 0, 0);
    return b;
  }
  const b = Buffer.alloc(16);
  for (let i = 0; i < 4; i++) b.writeUInt32BE(w[off + i] >>> 0, 4 * i);
  return b;
}

/**
 * saddr/daddr: four words each at the offsets; ports as the flow saw them (for ICMP: the port equivalents).
 * oneWay: one-way ICMP messages are hashed in the order given.
 */
export function communityId(
  words: Uint32Array | number[], srcOff: number, dstOff: number, proto: number, sport: number, dport: number,
  oneWay = false, seed = 0,
): string {
  let s = addrBytes(words, srcOff);
  let d = addrBytes(words, dstOff);
  let sp = sport;
  let dp = dport;
  const cmp = Buffer.compare(s, d);
  if (!oneWay && (cmp > 0 || (cmp === 0 && sp > dp))) {
    [s, d] = [d, s];
    [sp, dp] = [dp, sp];
  }
  const hasPorts = proto === 6 || proto === 17 || proto === 132 || proto === 1 || proto === 58;
  const head = Buffer.alloc(2);
  head.writeUInt16BE(seed & 0xffff, 0);
  const mid = Buffer.from([proto & 255, 0]);
  const parts = [head, s, d, mid];
  if (hasPorts) {
    const p = Buffer.alloc(4);
    p.writeUInt16BE(sp & 0xffff, 0);
    p.writeUInt16BE(dp & 0xffff, 2);
    parts.push(p);
  }
  return '1:' + createHash('sha1').update(Buffer.concat(parts)).digest('base64');
}

/**
 * The Community ID of an ICMP/ICMPv6 packet's flow, as the flow table computes it: a type with a
 * counterpart (echo and reply...) hashed with that counterpart as the port pair, in either direction;
 * a one-way message with its code, in the order given.
 */
export function icmpCommunityId(words: Uint32Array | number[], srcOff: number, dstOff: number, proto: number, type: number, code: number): string {
  const pair = (proto === 1 ? ICMP4_COUNTERPART : ICMP6_COUNTERPART)[type & 255];
  return pair >= 0 ? communityId(words, srcOff, dstOff, proto, type, pair) : communityId(words, srcOff, dstOff, proto, type, code, true);
}
