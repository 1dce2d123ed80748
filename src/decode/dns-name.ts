// Reads a DNS name that the decoder already validated, following compression pointers, into text.

/** Printable bytes stay as they are; dots inside labels and other bytes are escaped as \DDD (RFC 4343). */
export function dnsNameToString(d: Uint8Array, msg: number, nameOff: number): string {
  let s = '';
  let p = nameOff;
  for (let hops = 0; hops < 17;) {
    const len = d[p];
    if (len === 0) break;
    if ((len & 0xc0) === 0xc0) {
      p = msg + (((len & 0x3f) << 8) | d[p + 1]);
      hops++;
      continue;
    }
    if (s.length > 0) s += '.';
    for (let i = 1; i <= len; i++) {
      const c = d[p + i];
      if (c > 0x20 && c < 0x7f && c !== 0x2e && c !== 0x5c) s += String.fromCharCode(c);
      else s += '\\' + c.toString().padStart(3, '0');
    }
    p += len + 1;
  }
  return s;
}

