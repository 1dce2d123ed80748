// A live run's stop analyses what the ring still holds within its budget and reports the rest: under a
// flood the daemon had a million frames queued and took 96 s to stop, past systemd's 90 s TimeoutStopSec.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFrameRing, FrameRingReader, FrameRingWriter } from '../../src/capture/frame-ring.js';
import type { LiveCapture } from '../../src/capture/live-capture.js';
import { Pipeline, runLive } from '../../src/pipeline.js';
import { ip, ipv4Tcp } from '../support/frame-builder.js';

const FRAMES = 50_000;

/** Atomics.waitAsync does not hold the event loop open (the worker's handles do, live): a timer does here. */
async function run(pipeline: Pipeline, o: Parameters<typeof runLive>[2]): Promise<void> {
  const keep = setInterval(() => undefined, 1000);
  try {
    await runLive(pipeline, liveWithBacklog(), o);
  } finally {
    clearInterval(keep);
  }
}

/** A stand-in for the capture worker: the frames it stored before it stopped land in the ring at stop(). */
function liveWithBacklog(): LiveCapture {
  const bufs = createFrameRing(1 << 23);
  const writer = new FrameRingWriter(bufs);
  const frame = ipv4Tcp({ src: ip('10.77.0.1'), dst: ip('10.77.0.2'), sport: 40000, dport: 80, flags: 0x02 });
  return {
    reader: new FrameRingReader(bufs),
    lost: null,
    stop: async () => {
      for (let i = 0; i < FRAMES; i++) assert.ok(writer.push(frame, frame.length, frame.length, 1_700_000_000 + Math.floor(i / 1000), i), `ring full at ${i}`);
    },
  } as unknown as LiveCapture;
}

test('with no time left at the stop, what the ring holds beyond one batch is discarded and counted', async () => {
  const pipeline = new Pipeline([]);
  let abandoned = 0;
  let calls = 0;
  await run(pipeline, {
    count: 0, durationSec: 0, shouldStop: () => true, stopBudgetMs: 0, onAbandoned: (n) => { abandoned += n; calls++; },
  });
  assert.equal(calls, 1);
  assert.ok(abandoned > 0 && pipeline.summary.packets > 0, `${pipeline.summary.packets} analysed, ${abandoned} abandoned`);
  assert.equal(pipeline.summary.packets + abandoned, FRAMES);
});

test('without a budget (netwatch capture) every frame the ring holds at the stop is analysed', async () => {
  const pipeline = new Pipeline([]);
  let abandoned = 0;
  await run(pipeline, { count: 0, durationSec: 0, shouldStop: () => true, onAbandoned: (n) => { abandoned += n; } });
  assert.equal(abandoned, 0);
  assert.equal(pipeline.summary.packets, FRAMES);
});
