// The refresh's sample of clean windows: uniform over the whole period since the last refresh (not the
// last hours), with a duration that keeps an alert budget per day right, and empty again after a reset.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecentWindows } from '../../src/detect/recent-windows.js';
import { FEATURE_COUNT, FEATURE_INDEX } from '../../src/detect/feature-set.js';

test('a day of windows from 200 hosts leaves a sample spread over the whole day, and the budget sees a day', () => {
  const cap = 5000;
  const r = new RecentWindows(cap);
  const row = new Float64Array(FEATURE_COUNT);
  // 200 hosts, a 30 s window each, for a day: 576,000 windows, more than 100 times the sample.
  const windowSec = 30;
  for (let w = 0; w < 2880; w++) {
    for (let h = 0; h < 200; h++) {
      row[FEATURE_INDEX.packets_out] = 10;
      r.add(row, `10.77.0.${h}`, w * windowSec);
    }
  }
  assert.equal(r.size, cap);
  assert.equal(r.added, 576_000);
  const set = r.toTrainingSet(windowSec, { protocols: {}, services: {} }, 'test');
  assert.equal(set.rows.length, cap);
  // In time order, and every quarter of the day is in the sample about equally (a ring of the latest
  // windows would hold only the last 12.5 minutes).
  assert.ok(set.starts.every((s, i) => i === 0 || s >= set.starts[i - 1]));
  const quarters = [0, 0, 0, 0];
  for (const s of set.starts) quarters[Math.min(3, Math.floor(s / 21600))]++;
  for (const q of quarters) assert.ok(q > 0.2 * cap && q < 0.3 * cap, JSON.stringify(quarters));
  // The sample is 5,000 / 576,000 of the day's windows: as training traffic it stands for that share of a day,
  // so 12 alerts a day allow 12 x 5,000 / 576,000 of its windows, as the whole day would allow 12 of its own.
  assert.ok(Math.abs(set.durationSec - 86400 * cap / 576_000) < 1e-6, `${set.durationSec}`);
  r.reset();
  assert.equal(r.size, 0);
  assert.equal(r.added, 0);
});

test('under its capacity the sample is every window, and the same windows give the same sample', () => {
  const a = new RecentWindows(100);
  const b = new RecentWindows(100);
  const row = new Float64Array(FEATURE_COUNT);
  for (let i = 0; i < 60; i++) { row[0] = i; a.add(row, 'h', i); }
  assert.equal(a.size, 60);
  assert.equal(a.toTrainingSet(1, { protocols: {}, services: {} }, 't').durationSec, 60);
  for (let i = 60; i < 1000; i++) { row[0] = i; a.add(row, 'h', i); }
  for (let i = 0; i < 1000; i++) { row[0] = i; b.add(row, 'h', i); }
  assert.deepEqual(a.toTrainingSet(1, { protocols: {}, services: {} }, 't').starts, b.toTrainingSet(1, { protocols: {}, services: {} }, 't').starts);
});

test('windows sampled before an alert named their host, within the alert\'s window, stay out of the refresh', () => {
  const r = new RecentWindows(100);
  const row = new Float64Array(FEATURE_COUNT);
  // 10 s windows of a guesser (10.77.0.5), its server (2001:db8::22) and a bystander, from t = 1000.
  for (let w = 0; w < 10; w++) {
    for (const h of ['10.77.0.5', '2001:db8::22', '10.77.0.9']) r.add(row, h, 1000 + 10 * w);
  }
  // A brute-force alert at t = 1062 over a 30 s window names both; its address text need not be canonical.
  r.alertSpans.add('10.77.0.5', '2001:0db8:0:0::22', 1062, 30);
  // An alert with no window (a repeat folded without one) and one of 0 s leave every window in.
  r.alertSpans.add('10.77.0.9', '10.77.0.9', 1062, 0);
  const set = r.toTrainingSet(10, { protocols: {}, services: {} }, 't');
  // [1032, 1062] overlaps the windows starting 1030, 1040, 1050 and 1060, of both hosts named.
  assert.equal(set.windowsAlerted, 8);
  assert.equal(set.rows.length, 22);
  for (const h of ['10.77.0.5', '2001:db8::22']) {
    assert.deepEqual(set.starts.filter((_, i) => set.hosts[i] === h), [1000, 1010, 1020, 1070, 1080, 1090]);
  }
  assert.equal(set.hosts.filter((h) => h === '10.77.0.9').length, 10);
});

test('a raise made later than the packet it is judged at names its host until then, by at most its window', () => {
  // A held-back raise, judged at t = 1032 and made at the next tick: what came until then is the attack's
  // (a scanned host's retransmitted SYN-ACKs). Made a year on (the next file), it reaches only 30 s past 1032.
  const starts = (madeAt: number) => {
    const r = new RecentWindows(100);
    const row = new Float64Array(FEATURE_COUNT);
    for (let w = 0; w < 10; w++) r.add(row, '10.77.0.5', 1000 + 10 * w);
    r.alertSpans.add('10.77.0.5', '10.77.0.5', 1032, 30, madeAt);
    return r.toTrainingSet(10, { protocols: {}, services: {} }, 't').starts;
  };
  assert.deepEqual(starts(NaN), [1040, 1050, 1060, 1070, 1080, 1090], 'made at once: [1002, 1032]');
  assert.deepEqual(starts(1045), [1050, 1060, 1070, 1080, 1090], 'made at 1045: [1002, 1045]');
  assert.deepEqual(starts(1032 + 365 * 86400), [1070, 1080, 1090], 'made a year on: [1002, 1062]');
});
