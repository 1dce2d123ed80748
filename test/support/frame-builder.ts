// Builds Ethernet/IPv4/IPv6 frames and pcap/pcapng files byte by byte, for tests and the benchmark's inputs.

export interface Ipv4TcpSpec {
  src: number;
  dst: number;
  sport: number;
  dport: number;
  flags: number;
  payload?: number;
  ttl?: number;
}

function ipv4Checksum(b: Uint8Array, off: number): number {
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += (b[off + i] << 8) | b[off + i + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function ethernetIpv4(total: number, proto: number, src: number, dst: number, ttl: number): Buffer {
  const f = Buffer.alloc(14 + total);
  f.set([0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2], 0);
  f.writeUInt16BE(0x0800, 12);
  f[14] = 0x45;
  f.writeUInt16BE(total, 16);
  f.writeUInt16BE(0x4000, 20);
  f[22] = ttl;
  f[23] = proto;
  f.writeUInt32BE(src >>> 0, 26);
  f.writeUInt32BE(dst >>> 0, 30);
  f.writeUInt16BE(ipv4Checksum(f, 14), 24);
  return f;
}

export function ipv4Tcp(s: Ipv4TcpSpec): Buffer {
  const payload = s.payload ?? 0;
  const f = ethernetIpv4(20 + 20 + payload, 6, s.src, s.dst, s.ttl ?? 64);
  f.writeUInt16BE(s.sport, 34);
  f.writeUInt16BE(s.dport, 36);
  f.writeUInt32BE(1000, 38);
  f[46] = 0x50;
  f[47] = s.flags;
  f.writeUInt16BE(64240, 48);
  return f;
}

export function ipv4Udp(src: number, dst: number, sport: number, dport: number, payload: Uint8Array): Buffer {
  const f = ethernetIpv4(20 + 8 + payload.length, 17, src, dst, 64);
  f.writeUInt16BE(sport, 34);
  f.writeUInt16BE(dport, 36);
  f.writeUInt16BE(8 + payload.length, 38);
  f.set(payload, 42);
  return f;
}

export function ipv4Icmp(src: number, dst: number, type: number, code: number, payload = 56): Buffer {
  const f = ethernetIpv4(20 + 8 + payload, 1, src, dst, 64);
  f[34] = type;
  f[35] = code;
  return f;
}

/** A DNS query message for name with the given type. */
export function dnsQuery(name: string, qtype: number, id = 0x1234): Buffer {
  const labels = name.split('.').filter(Boolean);
  const q = Buffer.alloc(12 + labels.reduce((n, l) => n + l.length + 1, 1) + 4);
  q.writeUInt16BE(id, 0);
  q.writeUInt16BE(0x0100, 2);
  q.writeUInt16BE(1, 4);
  let p = 12;
  for (const l of labels) { q[p++] = l.length; q.write(l, p, 'latin1'); p += l.length; }
  q[p++] = 0;
  q.writeUInt16BE(qtype, p);
  q.writeUInt16BE(1, p + 2);
  return q;
}

export interface PcapPacket {
  sec: number;
  frac: number;
  data: Uint8Array;
  wireLen?: number;
}

/**
 * The headers that carry an Ethernet frame of innerLength bytes (as on the wire) in VXLAN with the given
 * network identifier: Ethernet / IPv4 10.77.9.1 -> 10.77.9.2 / UDP 40000 -> 4789 / VXLAN (I flag set).
 */
export function vxlanHeaders(vni: number, innerLength: number): Buffer {
  const f = Buffer.from(ethernetIpv4(20 + 8 + 8 + innerLength, 17, 0x0a4d0901, 0x0a4d0902, 64).subarray(0, 14 + 20 + 8 + 8));
  f.writeUInt16BE(40000, 34);
  f.writeUInt16BE(4789, 36);
  f.writeUInt16BE(8 + 8 + innerLength, 38);
  f[42] = 0x08;
  f.writeUIntBE(vni, 46, 3);
  return f;
}

/** A classic pcap file in either byte order and timestamp resolution. */
export function pcapFile(packets: PcapPacket[], opts: { bigEndian?: boolean; nano?: boolean; linkType?: number } = {}): Buffer {
  const le = opts.bigEndian !== true;
  const parts: Buffer[] = [];
  const h = Buffer.alloc(24);
  const w32 = (b: Buffer, v: number, o: number) => (le ? b.writeUInt32LE(v >>> 0, o) : b.writeUInt32BE(v >>> 0, o));
  const w16 = (b: Buffer, v: number, o: number) => (le ? b.writeUInt16LE(v, o) : b.writeUInt16BE(v, o));
  w32(h, opts.nano === true ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  w16(h, 2, 4);
  w16(h, 4, 6);
  w32(h, 262144, 16);
  w32(h, opts.linkType ?? 1, 20);
  parts.push(h);
  for (const p of packets) {
    const r = Buffer.alloc(16);
    w32(r, p.sec, 0);
    w32(r, p.frac, 4);
    w32(r, p.data.length, 8);
    w32(r, p.wireLen ?? p.data.length, 12);
    parts.push(r, Buffer.from(p.data));
  }
  return Buffer.concat(parts);
}

/** pcapng writer with control over byte order, interfaces, timestamp resolution and block kinds. */
export class PcapngBuilder {
  private readonly parts: Buffer[] = [];
  private le = true;

  private block(type: number, body: Buffer): void {
    const padded = Buffer.alloc((body.length + 3) & ~3);
    body.copy(padded);
    const len = 12 + padded.length;
    const b = Buffer.alloc(len);
    this.w32(b, type, 0);
    this.w32(b, len, 4);
    padded.copy(b, 8);
    this.w32(b, len, len - 4);
    this.parts.push(b);
  }

  private w32(b: Buffer, v: number, o: number): void {
    if (this.le) b.writeUInt32LE(v >>> 0, o); else b.writeUInt32BE(v >>> 0, o);
  }

  private w16(b: Buffer, v: number, o: number): void {
    if (this.le) b.writeUInt16LE(v, o); else b.writeUInt16BE(v, o);
  }

  section(bigEndian = false): this {
    this.le = !bigEndian;
    const body = Buffer.alloc(16);
    this.w32(body, 0x1a2b3c4d, 0);
    this.w16(body, 1, 4);
    this.w16(body, 0, 6);
    body.writeInt32LE(-1, 8);
    body.writeInt32LE(-1, 12);
    this.block(0x0a0d0d0a, body);
    return this;
  }

  /** tsresol: the raw if_tsresol byte (6 = microseconds, 9 = nanoseconds, 0x80|n = 2^-n). */
  iface(linkType: number, tsresol?: number, snaplen = 0): this {
    const opts: Buffer[] = [];
    if (tsresol !== undefined) {
      const o = Buffer.alloc(8);
      this.w16(o, 9, 0);
      this.w16(o, 1, 2);
      o[4] = tsresol;
      opts.push(o);
      const end = Buffer.alloc(4);
      opts.push(end);
    }
    const body = Buffer.alloc(8);
    this.w16(body, linkType, 0);
    this.w32(body, snaplen, 4);
    this.block(1, Buffer.concat([body, ...opts]));
    return this;
  }

  epb(ifId: number, units: bigint, data: Uint8Array, wireLen = data.length): this {
    const body = Buffer.alloc(20);
    this.w32(body, ifId, 0);
    this.w32(body, Number(units >> 32n), 4);
    this.w32(body, Number(units & 0xffffffffn), 8);
    this.w32(body, data.length, 12);
    this.w32(body, wireLen, 16);
    this.block(6, Buffer.concat([body, Buffer.from(data)]));
    return this;
  }

  spb(data: Uint8Array): this {
    const body = Buffer.alloc(4);
    this.w32(body, data.length, 0);
    this.block(3, Buffer.concat([body, Buffer.from(data)]));
    return this;
  }

  opb(ifId: number, units: bigint, data: Uint8Array): this {
    const body = Buffer.alloc(20);
    this.w16(body, ifId, 0);
    this.w16(body, 0, 2);
    this.w32(body, Number(units >> 32n), 4);
    this.w32(body, Number(units & 0xffffffffn), 8);
    this.w32(body, data.length, 12);
    this.w32(body, data.length, 16);
    this.block(2, Buffer.concat([body, Buffer.from(data)]));
    return this;
  }

  unknown(type: number, bytes: number): this {
    this.block(type, Buffer.alloc(bytes, 0xab));
    return this;
  }

  build(): Buffer {
    return Buffer.concat(this.parts);
  }
}

export function ip(a: string): number {
  return a.split('.').reduce((n, o) => (n * 256) + Number(o), 0) >>> 0;
}
