// The once-a-second raise gate and the refusals it keeps for a detector to judge again.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PacketPosition } from '../../src/alert/alert-hub.js';
import { RaiseGate, type PacketContext } from '../../src/detect/detector.js';

/** What drain reads and rewinds: the packet time and the hub's packet position. */
function context(t: number): PacketContext & { hub: { position: PacketPosition } } {
  return { t, hub: { position: { tsSec: Math.floor(t), tsNsec: 0, file: 'now.pcap', index: 1000 } } } as unknown as PacketContext & { hub: { position: PacketPosition } };
}

function at(t: number, index: number): PacketPosition {
  return { tsSec: Math.floor(t), tsNsec: Math.round((t % 1) * 1e9), file: 'then.pcap', index };
}

test('a refused slot is judged at the next drain, once; a slot raised since is not judged again', () => {
  const g = new RaiseGate(8, true);
  assert.equal(g.open(1, 10, at(10, 1)), true);
  assert.equal(g.open(1, 10.4, at(10.4, 2)), false, 'within a second: refused and kept');
  assert.equal(g.open(2, 10, at(10, 3)), true);
  assert.equal(g.open(2, 10.2, at(10.2, 4)), false);
  // Slot 2 raises again from a packet after its second is up: its refusal is spent.
  assert.equal(g.open(2, 11.1, at(11.1, 5)), true);
  const judged: number[] = [];
  g.drain(context(11.2), (s) => judged.push(s), false);
  assert.deepEqual(judged, [1]);
  // Drained: nothing is left for the next drain.
  const again: number[] = [];
  g.drain(context(12.5), (s) => again.push(s), false);
  assert.deepEqual(again, []);
});

test('a drain within a second of the last raise keeps the slot for the next one', () => {
  const g = new RaiseGate(4, true);
  assert.equal(g.open(0, 20.7, at(20.7, 1)), true);
  assert.equal(g.open(0, 20.9, at(20.9, 2)), false);
  const judged: number[] = [];
  g.drain(context(21.0), (s) => judged.push(s), false);
  assert.equal(judged.length, 0, 'the tick at 21.0 is 0.3 s after the raise');
  g.drain(context(21.8), (s) => judged.push(s), false);
  assert.deepEqual(judged, [0]);
});

test('a drained slot is judged as it stood at its latest refusal, not at the packet that brings the drain', () => {
  const g = new RaiseGate(4, true);
  assert.equal(g.open(3, 100, at(100, 10)), true);
  assert.equal(g.open(3, 100.2, at(100.2, 11)), false);
  assert.equal(g.open(3, 100.6, at(100.6, 12)), false, 'the latest refusal is the one kept');
  // A quiet minute, then an unrelated packet brings the tick.
  const c = context(175);
  const seen: [number, number, number, string | null][] = [];
  g.drain(c, (s) => {
    seen.push([c.t, c.hub.position.index, c.hub.position.tsSec, c.hub.position.file]);
    assert.equal(g.open(s, c.t, c.hub.position), true, 'the gate is open for the judged raise');
  }, false);
  assert.deepEqual(seen, [[100.6, 12, 100, 'then.pcap']]);
  assert.deepEqual([c.t, c.hub.position.index, c.hub.position.tsSec, c.hub.position.file], [175, 1000, 175, 'now.pcap'], 'restored afterwards');
});

test('at the end of input the gate opens for the kept slots; without remember nothing is kept', () => {
  const g = new RaiseGate(4, true);
  assert.equal(g.open(3, 5, at(5, 1)), true);
  assert.equal(g.open(3, 5.5, at(5.5, 2)), false);
  const raised: boolean[] = [];
  const c = context(5.6);
  g.drain(c, (s) => raised.push(g.open(s, c.t, c.hub.position)), true);
  assert.deepEqual(raised, [true], 'forced open within the same second');
  const plain = new RaiseGate(4);
  plain.open(0, 1);
  plain.open(0, 1.5);
  const judged: number[] = [];
  plain.drain(context(1.6), (s) => judged.push(s), true);
  assert.deepEqual(judged, []);
});
