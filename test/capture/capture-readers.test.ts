// pcap and pcapng readers on files built byte by byte: byte orders, resolutions, block kinds, damage.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCaptureFile } from '../../src/capture/capture-file.js';
import { RawFrame } from '../../src/capture/raw-frame.js';
import { NetwatchError } from '../../src/errors.js';
import { PcapngBuilder, ip, ipv4Tcp, pcapFile } from '../support/frame-builder.js';

const dir = mkdtempSync(join(tmpdir(), 'nw-readers-'));
const frameA = ipv4Tcp({ src: ip('10.77.0.1'), dst: ip('10.77.0.2'), sport: 1234, dport: 80, flags: 0x02 });
const frameB = ipv4Tcp({ src: ip('10.77.0.2'), dst: ip('10.77.0.1'), sport: 80, dport: 1234, flags: 0x12, payload: 100 });

function readAll(path: string): {
  frames: { sec: number; nsec: number; cap: number; wire: number; link: number; first: number }[]; cutAt: number; damage: string | null;
} {
  const r = openCaptureFile(path);
  const f = new RawFrame();
  const frames = [];
  while (r.next(f)) frames.push({ sec: f.tsSec, nsec: f.tsNsec, cap: f.capLen, wire: f.wireLen, link: f.linkType, first: f.data[f.offset] });
  r.close();
  return { frames, cutAt: r.cutAt, damage: r.damage };
}

function write(name: string, data: Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
}

for (const bigEndian of [false, true]) {
  for (const nano of [false, true]) {
    test(`classic pcap ${bigEndian ? 'big' : 'little'}-endian ${nano ? 'nanosecond' : 'microsecond'}`, () => {
      const frac = nano ? 123456789 : 123456;
      const p = write(`c-${bigEndian}-${nano}.pcap`, pcapFile([
        { sec: 1700000000, frac, data: frameA },
        { sec: 1700000001, frac: 0, data: frameB.subarray(0, 60), wireLen: frameB.length },
      ], { bigEndian, nano }));
      const { frames, cutAt } = readAll(p);
      assert.equal(cutAt, -1);
      assert.equal(frames.length, 2);
      assert.deepEqual(frames[0], { sec: 1700000000, nsec: nano ? 123456789 : 123456000, cap: frameA.length, wire: frameA.length, link: 1, first: 2 });
      assert.equal(frames[1].cap, 60);
      assert.equal(frames[1].wire, frameB.length);
    });
  }
}

test('pcapng: interfaces with different link types and resolutions, SPB, OPB and unknown blocks', () => {
  const raw = frameA.subarray(14);
  const p = write('multi.pcapng', new PcapngBuilder()
    .section()
    .iface(1)              // Ethernet, default microseconds
    .iface(101, 9)         // raw IP, nanoseconds
    .iface(1, 0x80 | 20)   // Ethernet, 2^-20 s
    .unknown(0x0bad, 40)
    .epb(0, 1700000000123456n, frameA)
    .epb(1, 1700000000987654321n, raw)
    .epb(2, (1700000000n << 20n) + (1n << 19n), frameB)
    .opb(0, 1700000001000001n, frameB)
    .unknown(0x80000001, 8)
    .build());
  const { frames } = readAll(p);
  assert.equal(frames.length, 4);
  assert.deepEqual(frames.map((f) => f.link), [1, 101, 1, 1]);
  assert.deepEqual(frames.map((f) => [f.sec, f.nsec]), [
    [1700000000, 123456000], [1700000000, 987654321], [1700000000, 500000000], [1700000001, 1000],
  ]);
  assert.equal(frames[1].first, 0x45, 'raw-IP frame starts at the IP header');
});

test('pcapng: a big-endian section after a little-endian one, and a simple packet block', () => {
  const p = write('sections.pcapng', new PcapngBuilder()
    .section(false).iface(1).epb(0, 1700000000000000n, frameA)
    .section(true).iface(1, 6, 64).epb(0, 1700000005000000n, frameB).spb(frameB)
    .build());
  const { frames } = readAll(p);
  assert.equal(frames.length, 3);
  assert.deepEqual(frames.map((f) => f.sec), [1700000000, 1700000005, 1700000005]);
  assert.equal(frames[2].cap, 64, 'SPB captured length is bounded by the interface snaplen');
  assert.equal(frames[2].wire, frameB.length);
});

test('a file cut inside a record yields the whole packets and the offset of the cut', () => {
  const whole = pcapFile([{ sec: 1, frac: 0, data: frameA }, { sec: 2, frac: 0, data: frameB }]);
  const p = write('cut.pcap', whole.subarray(0, whole.length - 10));
  const { frames, cutAt } = readAll(p);
  assert.equal(frames.length, 1);
  assert.equal(cutAt, 24 + 16 + frameA.length);
  const ng = new PcapngBuilder().section().iface(1).epb(0, 1n, frameA).epb(0, 2n, frameB).build();
  const q = write('cut.pcapng', ng.subarray(0, ng.length - 3));
  const r2 = readAll(q);
  assert.equal(r2.frames.length, 1);
  assert.ok(r2.cutAt > 0);
  // Cut inside its first header it is no capture at all, as a pcap cut in its file header (tshark agrees):
  // a format error (exit 2) like an empty file, not a file broken part way through (exit 1).
  assert.throws(() => readAll(write('cut-header.pcapng', ng.subarray(0, 10))),
    (e: unknown) => e instanceof NetwatchError && e.code === 'NW_ERR_FILE_FORMAT' && e.exitCode === 2 && /not a capture file: pcapng section header cut short at offset 10/.test(e.message));
  assert.throws(() => readAll(write('cut-header.pcap', whole.subarray(0, 10))),
    (e: unknown) => e instanceof NetwatchError && e.code === 'NW_ERR_FILE_FORMAT' && e.exitCode === 2 && /not a capture file: pcap file header cut short at offset 10/.test(e.message));
});

test('a corrupt record ends the reading there, keeping the packets before it and naming the offset; non-capture files are coded errors', () => {
  const bad = pcapFile([{ sec: 1, frac: 0, data: frameA }, { sec: 2, frac: 0, data: frameB }, { sec: 3, frac: 0, data: frameA }]);
  const second = 24 + 16 + frameA.length;
  bad.writeUInt32LE(5_000_000, second + 8);
  const p = readAll(write('bad.pcap', bad));
  assert.deepEqual(p.frames.map((f) => f.sec), [1]);
  assert.equal(p.damage, `corrupt packet record at byte offset ${second}: captured length 5000000 exceeds 262144`);
  assert.equal(p.cutAt, -1);
  const ng = new PcapngBuilder().section().iface(1).epb(0, 1n, frameA).epb(0, 2n, frameB).epb(0, 3n, frameA).build();
  // The second packet block's trailing length.
  const secondEnd = ng.length - (32 + ((frameA.length + 3) & ~3));
  ng.writeUInt32LE(999, secondEnd - 4);
  const q = readAll(write('bad.pcapng', ng));
  assert.equal(q.frames.length, 1);
  assert.match(q.damage ?? '', /^corrupt pcapng block at byte offset \d+: trailing block length 999 differs from \d+$/);
  // A first block without the byte-order magic: no pcapng at all, refused when opened (exit 2).
  const noBom = new PcapngBuilder().section().iface(1).epb(0, 1n, frameA).build();
  noBom.writeUInt32LE(0x12345678, 8);
  assert.throws(() => openCaptureFile(write('nobom.pcapng', noBom)),
    (e: unknown) => e instanceof NetwatchError && e.code === 'NW_ERR_FILE_FORMAT' && e.exitCode === 2 && /no byte-order magic at offset 8/.test(e.message));
  assert.throws(() => openCaptureFile(write('text.pcap', Buffer.from('hello, this is not a capture\n'))),
    (e: unknown) => e instanceof NetwatchError && e.code === 'NW_ERR_FILE_FORMAT' && /magic 0x68656c6c at offset 0/.test(e.message));
  assert.throws(() => openCaptureFile(join(dir, 'missing.pcap')), (e: unknown) => e instanceof NetwatchError && e.code === 'NW_ERR_FILE_OPEN');
  const noIface = new PcapngBuilder().section().epb(0, 1n, frameA).build();
  const ni = readAll(write('noiface.pcapng', noIface));
  assert.equal(ni.frames.length, 0);
  assert.match(ni.damage ?? '', /undeclared interface 0/);
});

test('pcapng: a time outside 1970..9999 takes the time of the packet before, counted; a short simple packet block is corrupt', () => {
  // 2^64-1 microseconds is year 586,524: no date prints it (it crashed the database's minute key).
  const ng = new PcapngBuilder().section().iface(1)
    .epb(0, 1700000000000000n, frameA).epb(0, 0xffffffffffffffffn, frameB).epb(0, 1700000001000000n, frameA).build();
  const r = openCaptureFile(write('far.pcapng', ng));
  const f = new RawFrame();
  const secs: number[] = [];
  while (r.next(f)) secs.push(f.tsSec);
  r.close();
  assert.deepEqual(secs, [1700000000, 1700000000, 1700000001]);
  assert.equal(r.timesOutOfRange, 1);
  // An SPB of 12 bytes has no room for its original length: tshark calls it corrupt, and so do we.
  const spb = Buffer.alloc(12);
  spb.writeUInt32LE(3, 0); spb.writeUInt32LE(12, 4); spb.writeUInt32LE(12, 8);
  const short = Buffer.concat([new PcapngBuilder().section().iface(1).epb(0, 1n, frameA).build(), spb]);
  const sp = readAll(write('short-spb.pcapng', short));
  assert.equal(sp.frames.length, 1);
  assert.match(sp.damage ?? '', /^corrupt pcapng block at byte offset \d+: simple packet block of 12 bytes \(at least 16\)$/);
});
