// A live link that goes quiet: once a second of wall-clock time the pipeline moves packet time on
// (Pipeline.idle), and the detection engine does what a packet would have done: the detectors' ticks
// make the raises the once-a-second gate held back, then idle flows close. Before, both waited for the
// next packet, however late it came, and a flow closed first was not stored as the alert's flow.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawFrame } from '../../src/capture/raw-frame.js';
import type { EveAlert } from '../../src/alert/eve-alert.js';
import { DETECTION_DEFAULTS } from '../../src/config/detection-defaults.js';
import { AnomalyDetector } from '../../src/detect/anomaly-detector.js';
import { DetectionEngine } from '../../src/detect/detection-engine.js';
import { Pipeline } from '../../src/pipeline.js';
import { CLOSE_REASON_NAMES, type CloseReason, type FlowTable } from '../../src/track/flow-table.js';
import { ip, ipv4Tcp } from '../support/frame-builder.js';
import { webModel } from '../support/web-model.js';

const SYN = 0x02;
const RST_ACK = 0x14;
const LINKTYPE_ETHERNET = 1;

interface Closed { flowId: number; dport: number; reason: string; alerted: number }

function setUp(model?: AnomalyDetector['current']): { pipeline: Pipeline; alerts: EveAlert[]; closed: Closed[]; at: (t: number, data: Buffer) => void; scoring: AnomalyDetector | null } {
  const engine = new DetectionEngine(DETECTION_DEFAULTS);
  const scoring = model === undefined ? null : new AnomalyDetector(model, DETECTION_DEFAULTS.anomaly, engine.hub, false);
  if (scoring !== null) engine.addDetector(scoring);
  const alerts: EveAlert[] = [];
  engine.hub.addSink({ alert: (a) => { alerts.push(a); } });
  const closed: Closed[] = [];
  engine.flowSinks.push({
    flow: (f: FlowTable, s: number, reason: CloseReason) => {
      closed.push({ flowId: f.serialOf(s), dport: f.respPort(s), reason: CLOSE_REASON_NAMES[reason], alerted: f.alerted(s) });
    },
  });
  const pipeline = new Pipeline([], engine);
  const frame = new RawFrame();
  let index = 0;
  const at = (t: number, data: Buffer): void => {
    frame.data = data;
    frame.offset = 0;
    frame.capLen = data.length;
    frame.wireLen = data.length;
    frame.tsSec = Math.floor(t);
    frame.tsNsec = Math.round((t - Math.floor(t)) * 1e9);
    frame.linkType = LINKTYPE_ETHERNET;
    frame.index = ++index;
    pipeline.process(frame);
  };
  return { pipeline, alerts, closed, at, scoring };
}

test('on a quiet link a held-back port-scan raise is made within seconds, names its last probe, and that flow closes alerted', () => {
  const { pipeline, alerts, closed, at } = setUp();
  const t0 = 1_700_000_000;
  const scanner = ip('10.77.0.6');
  const target = ip('10.77.2.1');
  // 60 unanswered SYN probes in 6 s: the 51st raises.
  for (let i = 0; i < 60; i++) at(t0 + i * 0.1, ipv4Tcp({ src: scanner, dst: target, sport: 40000 + i, dport: 1 + i, flags: SYN }));
  assert.equal(alerts.length, 1);
  // 59 s after that alert, 60 more probes in 1.2 s, each refused: with what is left of the first probes
  // in the sliding window they cross the threshold while the suppression lasts (folded into the incident),
  // then the once-a-second gate holds them back. Then the link goes quiet.
  let last = 0;
  for (let j = 0; j < 60; j++) {
    last = t0 + 64 + j * 0.02;
    at(last, ipv4Tcp({ src: scanner, dst: target, sport: 41000 + j, dport: 101 + j, flags: SYN }));
    at(last + 0.001, ipv4Tcp({ src: target, dst: scanner, sport: 101 + j, dport: 41000 + j, flags: RST_ACK }));
  }
  assert.equal(alerts.length, 1, 'the second burst was held back');
  // The capture loop calls idle once a second of wall-clock time while no packet comes.
  for (let k = 1; k <= 4; k++) pipeline.idle(last + k);
  assert.equal(alerts.length, 2, 'the held-back raise was made while the link was quiet');
  const later = alerts[1];
  assert.deepEqual([later.src_port, later.dest_port], [41059, 160]);
  // The refused probes' flows closed 2 s after their RST, without another packet; the one the raise
  // names closed marked alerted (the database keeps it with --db-flows alerted).
  const named = closed.find((f) => f.flowId === later.flow_id);
  assert.ok(named, `flow ${later.flow_id} closed while the link was quiet`);
  assert.deepEqual([named.dport, named.reason, named.alerted], [160, 'rst', 1]);
  assert.equal(closed.filter((f) => f.reason === 'rst').length, 60);
});

test('idle time that has not reached the next second does nothing, and packets after it are counted as before', () => {
  const { pipeline, alerts, closed, at } = setUp();
  const t0 = 1_700_000_000;
  at(t0, ipv4Tcp({ src: ip('10.77.0.6'), dst: ip('10.77.2.1'), sport: 40000, dport: 80, flags: SYN }));
  pipeline.idle(t0 + 0.5);
  assert.deepEqual([alerts.length, closed.length], [0, 0]);
  // The unanswered SYN times out after 30 s of quiet (tcpAttempt), without another packet.
  pipeline.idle(t0 + 29.5);
  assert.equal(closed.length, 0);
  pipeline.idle(t0 + 31);
  assert.deepEqual(closed.map((f) => [f.dport, f.reason]), [[80, 'idle-timeout']]);
  // Traffic returns: a packet slightly behind the idle clock still opens its flow.
  at(t0 + 30.9, ipv4Tcp({ src: ip('10.77.0.6'), dst: ip('10.77.2.1'), sport: 40001, dport: 80, flags: SYN }));
  pipeline.finish();
  assert.deepEqual(closed.map((f) => f.reason), ['idle-timeout', 'shutdown']);
});

test('on a quiet link the model\'s host window is scored when it ends, not when the next packet comes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nw-quiet-'));
  try {
    const { pipeline, at, scoring } = setUp(await webModel(dir));
    // Windows of 30 s on the epoch: t0 = 1,700,000,000 falls in the one from ...980 to ...010.
    const t0 = 1_700_000_000;
    for (let i = 0; i < 10; i++) at(t0 + i * 0.2, ipv4Tcp({ src: ip('10.77.0.6'), dst: ip('10.77.2.1'), sport: 40000, dport: 80, flags: 0x18, payload: 100 }));
    pipeline.idle(t0 + 9.5);
    assert.equal(scoring?.windowsScored, 0, 'the window has not ended');
    pipeline.idle(t0 + 11);
    // Both hosts' windows (sender and receiver) are scored with no packet after them.
    assert.equal(scoring?.windowsScored, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('what a tick raises on a quiet link is stamped with the time it was raised, not the last packet\'s', () => {
  const { pipeline, alerts, at } = setUp();
  const t0 = 1_700_000_000;
  const client = ip('10.77.0.6');
  const server = ip('10.77.2.80');
  // 45 connections to a web port, each opened and left almost empty: slow HTTP once they are 5 s old.
  for (let i = 0; i < 45; i++) {
    const t = t0 + i * 0.02;
    at(t, ipv4Tcp({ src: client, dst: server, sport: 45000 + i, dport: 80, flags: SYN }));
    at(t + 0.001, ipv4Tcp({ src: server, dst: client, sport: 80, dport: 45000 + i, flags: 0x12 }));
    at(t + 0.002, ipv4Tcp({ src: client, dst: server, sport: 45000 + i, dport: 80, flags: 0x10 }));
  }
  assert.equal(alerts.length, 0);
  for (let k = 1; k <= 8; k++) pipeline.idle(t0 + 1 + k);
  const slow = alerts.filter((a) => a.netwatch.detector === 'slowloris');
  assert.equal(slow.length, 1);
  // Raised at the first idle second where the oldest connection was 5 s old: t0 + 6, 2023-11-14T22:13:26Z.
  assert.equal(slow[0].timestamp, '2023-11-14T22:13:26.000000+0000');
});

test('idle never moves packet time back: a capture restarted on the same pipeline goes on from where it was', () => {
  const flows = new DetectionEngine(DETECTION_DEFAULTS).flows;
  assert.equal(flows.idle(1_700_000_000), true);
  assert.equal(flows.idle(1_700_000_054), true);
  // The daemon's capture restarted (a filter change): an idle estimate from before is ignored, where the
  // schedule used to step back to it and close flows a minute late.
  assert.equal(flows.idle(1_700_000_001), false);
  assert.equal(flows.idle(1_700_000_054.5), false);
  assert.equal(flows.idle(1_700_000_055), true);
});
