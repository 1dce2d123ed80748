// Address text back to the four-word key form (IPv4 as IPv4-mapped IPv6), for alerts that name hosts.

import { isIPv4, isIPv6 } from 'node:net';
import { wordsToString } from './address-key.js';

/** Writes the address into out[off..off+4]; false when the text is not an IP address. */
export function parseAddressWords(text: string, out: Uint32Array, off: number): boolean {
  if (isIPv4(text)) {
    const p = text.split('.');
    out[off] = 0; out[off + 1] = 0; out[off + 2] = 0xffff;
    out[off + 3] = ((+p[0] << 24) | (+p[1] << 16) | (+p[2] << 8) | +p[3]) >>> 0;
    return true;
  }
  if (!isIPv6(text)) return false;
  let s = text;
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two groups.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (v4 !== null) {
    const hi = ((+v4[1] << 8) | +v4[2]).toString(16);
    const lo = ((+v4[3] << 8) | +v4[4]).toString(16);
    s = s.slice(0, v4.index) + hi + ':' + lo;
  }
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? h : [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
  if (groups.length !== 8) return false;
  for (let w = 0; w < 4; w++) out[off + w] = ((parseInt(groups[2 * w], 16) << 16) | parseInt(groups[2 * w + 1], 16)) >>> 0;
  return true;
}

/**
 * An address typed by a user as alerts and the database write it (2001:DB8:1:0:0:0:0:2 becomes
 * 2001:db8:1::2, ::ffff:10.0.0.1 becomes 10.0.0.1), or null when it is not an IP address.
 */
export function canonicalAddress(text: string): string | null {
  const w = new Uint32Array(4);
  return parseAddressWords(text, w, 0) ? wordsToString(w, 0) : null;
}
