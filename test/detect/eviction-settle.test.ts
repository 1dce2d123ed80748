// A held-back raise settled as its table evicts the entry (a spoofed flood filling the table) is made
// with the entry's own count and flow, while another key's packet is being processed: that packet's
// flow is not marked alerted for it (only a flow an alert names is kept with --db-flows alerted).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawFrame } from '../../src/capture/raw-frame.js';
import type { EveAlert } from '../../src/alert/eve-alert.js';
import { DETECTION_DEFAULTS, type DetectionConfig } from '../../src/config/detection-defaults.js';
import { DetectionEngine } from '../../src/detect/detection-engine.js';
import { Pipeline } from '../../src/pipeline.js';
import type { FlowTable } from '../../src/track/flow-table.js';
import { ip, ipv4Tcp } from '../support/frame-builder.js';

const SYN = 0x02;

test('a scan raise settled at eviction names its probe\'s flow, and the evicting packet\'s flow is not marked alerted', () => {
  const cfg = { ...DETECTION_DEFAULTS, hosts: { ...DETECTION_DEFAULTS.hosts, capacity: 1024 } } as DetectionConfig;
  const engine = new DetectionEngine(cfg);
  const alerts: EveAlert[] = [];
  engine.hub.addSink({ alert: (a) => { alerts.push(a); } });
  const alerted: number[] = [];
  engine.flowSinks.push({ flow: (f: FlowTable, s: number) => { if (f.alerted(s) === 1) alerted.push(f.serialOf(s)); } });
  const pipeline = new Pipeline([], engine);
  const frame = new RawFrame();
  let index = 0;
  const at = (t: number, data: Buffer): void => {
    frame.data = data; frame.offset = 0; frame.capLen = data.length; frame.wireLen = data.length;
    frame.tsSec = Math.floor(t); frame.tsNsec = Math.round((t - Math.floor(t)) * 1e9); frame.linkType = 1; frame.index = ++index;
    pipeline.process(frame);
  };
  const t0 = 1_700_000_000;
  const scanner = ip('10.77.0.6');
  const target = ip('10.77.2.1');
  let port = 1;
  // 60 ports in 0.6 s: the first alert.
  for (let i = 0; i < 60; i++) at(t0 + i * 0.01, ipv4Tcp({ src: scanner, dst: target, sport: 40000, dport: port++, flags: SYN }));
  assert.equal(alerts.length, 1);
  // A new port every 1.01 s for a minute: each passes the gate and is folded into the incident (the
  // suppression of the alert at t0 + 0.5 lasts to t0 + 60.5).
  let t = t0 + 0.6;
  while (t + 1.01 <= t0 + 60.2) { t += 1.01; at(t, ipv4Tcp({ src: scanner, dst: target, sport: 40000, dport: port++, flags: SYN })); }
  // One more half a second later: refused by the gate and held back, after the suppression ended.
  const heldAt = t + 0.5;
  at(heldAt, ipv4Tcp({ src: scanner, dst: target, sport: 40000, dport: port, flags: SYN }));
  const before = alerts.length;
  // Spoofed SYNs between random hosts, before the next tick: their pairs fill the table and evict the scan's.
  let x = 99;
  for (let i = 0; i < 20_000; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    at(heldAt + 0.00001 * (i + 1), ipv4Tcp({ src: (x | 0x0b000000) >>> 0, dst: (Math.imul(x, 2654435761) | 0x0c000000) >>> 0, sport: 1024 + (i & 0x7fff), dport: 80, flags: SYN }));
  }
  const settled = alerts.slice(before).filter((a) => a.netwatch.detector === 'port_scan');
  assert.equal(settled.length, 1, 'the held-back raise was made when the pair was evicted');
  assert.equal(settled[0].dest_port, port);
  // Stamped with the held-back probe's time, not the evicting packet's.
  assert.ok(Math.abs(Date.parse(settled[0].timestamp.replace('+0000', 'Z')) / 1000 - heldAt) < 0.002, settled[0].timestamp);
  pipeline.finish();
  const named = new Set(alerts.map((a) => a.flow_id).filter((f): f is number => f !== undefined));
  assert.ok(named.has(settled[0].flow_id ?? -1), 'the settled alert\'s own flow is kept');
  assert.deepEqual(alerted.filter((f) => !named.has(f)), [], 'flows marked alerted that no alert names');
});
