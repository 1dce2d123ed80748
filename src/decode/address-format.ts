// Text forms of addresses, made only when something is shown or exported (never on the hot path).

import { L3_IPV4, TUNNEL_NAMES, type PacketRecord } from './packet-record.js';

export function ipv4ToString(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

/** RFC 5952 text: lower-case hex, the longest run of two or more zero groups as "::", IPv4-mapped as dotted quad. */
export function ipv6ToString(b: Uint8Array, off = 0): string {
  const g = [0, 0, 0, 0, 0, 0, 0, 0];
  for (let i = 0; i < 8; i++) g[i] = (b[off + 2 * i] << 8) | b[off + 2 * i + 1];
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `::ffff:${b[off + 12]}.${b[off + 13]}.${b[off + 14]}.${b[off + 15]}`;
  }
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  if (bestStart < 0) return g.map((x) => x.toString(16)).join(':');
  const head = g.slice(0, bestStart).map((x) => x.toString(16)).join(':');
  const tail = g.slice(bestStart + bestLen).map((x) => x.toString(16)).join(':');
  return `${head}::${tail}`;
}

export function macToString(b: Uint8Array, off: number): string {
  let s = '';
  for (let i = 0; i < 6; i++) {
    if (i > 0) s += ':';
    s += (b[off + i] < 16 ? '0' : '') + b[off + i].toString(16);
  }
  return s;
}

/** A tunnelled packet's outermost tunnel as text, "vxlan 192.168.56.12>192.168.56.11" (with "x2" and so on when nested); '' for none. */
export function tunnelText(rec: PacketRecord): string {
  if (rec.tunnelDepth === 0) return '';
  const v4 = rec.outerVersion === L3_IPV4;
  const src = v4 ? ipv4ToString(rec.outerSrc4) : ipv6ToString(rec.outerSrc6);
  const dst = v4 ? ipv4ToString(rec.outerDst4) : ipv6ToString(rec.outerDst6);
  return `${TUNNEL_NAMES[rec.tunnel]}${rec.tunnelDepth > 1 ? ` x${rec.tunnelDepth}` : ''} ${src}>${dst}`;
}
