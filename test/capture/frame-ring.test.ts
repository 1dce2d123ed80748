// The shared frame ring: frames come out as they went in, across the wrap, and a full ring drops and counts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFrameRing, FrameRingReader, FrameRingWriter, ringBytesForMiB } from '../../src/capture/frame-ring.js';
import { RawFrame } from '../../src/capture/raw-frame.js';

function frameOf(len: number, seed: number): Buffer {
  const b = Buffer.alloc(len);
  for (let i = 0; i < len; i++) b[i] = (seed + i) & 255;
  return b;
}

test('frames keep bytes, lengths and times through many wraps', () => {
  const bufs = createFrameRing(1 << 17);
  const w = new FrameRingWriter(bufs);
  const r = new FrameRingReader(bufs);
  const f = new RawFrame();
  let expectSeed = 0;
  let read = 0;
  for (let seed = 0; seed < 5000; seed++) {
    const len = 40 + ((seed * 7919) % 1500);
    assert.ok(w.push(frameOf(len, seed), len, len + 4, 1700000000 + seed, seed * 1000));
    // Read every few pushes so the writer keeps wrapping around a ring that is never full.
    if (seed % 3 === 2) {
      while (r.next(f)) {
        const l = 40 + ((expectSeed * 7919) % 1500);
        assert.equal(f.capLen, l);
        assert.equal(f.wireLen, l + 4);
        assert.equal(f.tsSec, 1700000000 + expectSeed);
        assert.equal(f.tsNsec, expectSeed * 1000);
        assert.equal(f.data[f.offset], expectSeed & 255);
        assert.equal(f.data[f.offset + l - 1], (expectSeed + l - 1) & 255);
        expectSeed++;
        read++;
      }
      r.release();
    }
  }
  while (r.next(f)) read++;
  assert.equal(read, 5000);
  assert.deepEqual(r.counters(), { seen: 5000, drops: 0, dropBytes: 0, kernel: null });
});

test('a full ring drops new frames and counts them; released space is reused', () => {
  const bufs = createFrameRing(1 << 17);
  const w = new FrameRingWriter(bufs);
  const r = new FrameRingReader(bufs);
  const f = new RawFrame();
  const big = frameOf(9000, 1);
  let stored = 0;
  for (let i = 0; i < 20; i++) if (w.push(big, 9000, 9000, 1, 0)) stored++;
  assert.equal(stored, 14, '131072 / 9016 bytes per record');
  assert.deepEqual(r.counters(), { seen: 20, drops: 6, dropBytes: 6 * 9000, kernel: null });
  w.publishKernelStats(3_000_000_000, 7, 1);
  assert.deepEqual(r.counters().kernel, { received: 3_000_000_000, dropped: 7, ifDropped: 1 });
  assert.ok(r.occupancy() > 120000);
  // Reading without release does not free space.
  let n = 0;
  while (r.next(f)) n++;
  assert.equal(n, 14);
  assert.equal(w.push(big, 9000, 9000, 1, 0), false);
  r.release();
  assert.equal(w.push(big, 9000, 9000, 1, 0), true);
  assert.ok(r.next(f));
  assert.equal(f.capLen, 9000);
});

test('ring sizes are powers of two and bounded', () => {
  assert.equal(ringBytesForMiB(64), 64 * 1024 * 1024);
  assert.equal(ringBytesForMiB(3), 4 * 1024 * 1024);
  assert.throws(() => createFrameRing(100000), RangeError);
});
