// The once-a-second raise gate and the refusals it keeps for a detector to judge again.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RaiseGate } from '../../src/detect/detector.js';

test('a refused slot is judged at the next drain, once; a slot raised since is not judged again', () => {
  const g = new RaiseGate(8, true);
  assert.equal(g.open(1, 10), true);
  assert.equal(g.open(1, 10.4), false, 'within a second: refused and kept');
  assert.equal(g.open(2, 10), true);
  assert.equal(g.open(2, 10.2), false);
  // Slot 2 raises again from a packet after its second is up: its refusal is spent.
  assert.equal(g.open(2, 11.1), true);
  const judged: number[] = [];
  g.drain((s) => judged.push(s), false);
  assert.deepEqual(judged, [1]);
  // Drained: nothing is left for the next drain.
  const again: number[] = [];
  g.drain((s) => again.push(s), false);
  assert.deepEqual(again, []);
});

test('at the end of input the gate opens for the kept slots; without remember nothing is kept', () => {
  const g = new RaiseGate(4, true);
  assert.equal(g.open(3, 5), true);
  assert.equal(g.open(3, 5.5), false);
  const raised: boolean[] = [];
  g.drain((s) => raised.push(g.open(s, 5.6)), true);
  assert.deepEqual(raised, [true], 'forced open within the same second');
  const plain = new RaiseGate(4);
  plain.open(0, 1);
  plain.open(0, 1.5);
  const judged: number[] = [];
  plain.drain((s) => judged.push(s), true);
  assert.deepEqual(judged, []);
});
