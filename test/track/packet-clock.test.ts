// The once-a-second schedule in packet time: follows time forward, moves back with a real step back,
// and stays bounded when time jumps back and forth on every packet.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FOLLOW_BEHIND, MIN_REBASE_PACKETS, PacketClock, REBASE_PACKETS } from '../../src/track/packet-clock.js';

test('monotonic time: due once per second boundary, at the packet that crosses it', () => {
  const c = new PacketClock();
  const due: number[] = [];
  for (let t = 100; t < 105; t += 0.25) if (c.due(t)) due.push(t);
  assert.deepEqual(due, [100, 101, 102, 103, 104]);
  // Reordering within 2 s holds the clock: nothing is due, and the clock stays at the latest time.
  assert.equal(c.due(103.5), false);
  assert.equal(c.now, 104.75);
});

test('a step back of more than 2 s (files joined) is due at once and the schedule follows the new time', () => {
  const c = new PacketClock();
  for (let t = 1000; t < 1010; t += 0.5) c.due(t);
  assert.equal(c.due(900.2), true);
  assert.equal(c.now, 900.2);
  assert.equal(c.due(900.9), false);
  assert.equal(c.due(901.1), true);
});

test('time jumping back and forth on every packet: at most one move back per REBASE_PACKETS packets', () => {
  const c = new PacketClock();
  let due = 0;
  const packets = 10 * REBASE_PACKETS;
  // Two interfaces whose clocks are 5 s apart, packets interleaved, 1,000 a second on each.
  for (let i = 0; i < packets; i++) if (c.due(1_000_000 + Math.floor(i / 2) / 1000 + (i % 2 === 1 ? 5 : 0))) due++;
  const seconds = packets / 2 / 1000;
  // Each move back is due once, and so is its way forward again; the rest is one per second of the clock.
  assert.ok(due <= 2 * (packets / REBASE_PACKETS + 1) + seconds + 1, `${due} due in ${packets} packets`);
  assert.ok(due >= seconds, `${due}`);
});

test('time that goes back again soon after a first step (a third file joined) is followed within FOLLOW_BEHIND packets', () => {
  const c = new PacketClock();
  // Three copies of 1,000 packets a second apart: each copy starts 999 s before the last one ended.
  const dueIn = [0, 0, 0];
  for (let copy = 0; copy < 3; copy++) for (let i = 0; i < 1000; i++) if (c.due(5000 + i)) dueIn[copy]++;
  // Before, the second step back came within REBASE_PACKETS of the first and the clock held: the third copy had no sweeps or ticks.
  assert.equal(dueIn[0], 1000);
  assert.ok(dueIn[1] >= 999 && dueIn[2] >= 1000 - FOLLOW_BEHIND, JSON.stringify(dueIn));
  assert.ok(MIN_REBASE_PACKETS < 1000);
});
