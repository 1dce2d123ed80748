// Host sweeps on generated captures: what a sweep's incident covers.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EveAlert } from '../../src/alert/eve-alert.js';
import { CLI } from '../support/corpus.js';
import { ip, ipv4Icmp, pcapFile, type PcapPacket } from '../support/frame-builder.js';

const dir = mkdtempSync(join(tmpdir(), 'nw-sweep-'));
const PROBER = ip('10.77.0.9');

test('pinging a host the sweep found does not raise the sweep again at every ping', () => {
  // As with port scans (an operator's review): after a ping sweep of 60 hosts, pinging one of them raised
  // the sweep again every second, its 60 s window still over the threshold. The first ping of another host
  // than the last one swept is judged (a sweep may go on that way); the ones after it are one conversation.
  const t0 = 1_700_000_300;
  const frames: PcapPacket[] = [];
  for (let h = 1; h <= 60; h++) {
    frames.push({ sec: t0, frac: h * 10_000, data: ipv4Icmp(PROBER, ip(`10.77.0.${100 + h}`), 8, 0) });
    frames.push({ sec: t0, frac: h * 10_000 + 500, data: ipv4Icmp(ip(`10.77.0.${100 + h}`), PROBER, 0, 0) });
  }
  for (let i = 0; i < 20; i++) {
    frames.push({ sec: t0 + 10 + i, frac: 0, data: ipv4Icmp(PROBER, ip('10.77.0.101'), 8, 0) });
    frames.push({ sec: t0 + 10 + i, frac: 500, data: ipv4Icmp(ip('10.77.0.101'), PROBER, 0, 0) });
  }
  const file = join(dir, 'sweep-then-ping.pcap');
  writeFileSync(file, pcapFile(frames));
  const alertsFile = join(dir, 'sweep-then-ping.json');
  const r = spawnSync(CLI, ['analyze', file, '--no-store', '--alerts', alertsFile, '--summary', 'json', '-q'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const alerts = readFileSync(alertsFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as EveAlert);
  assert.deepEqual(alerts.map((a) => a.alert.signature_id), [9100201], JSON.stringify(alerts.map((a) => a.alert.signature)));
  const inc = (JSON.parse(r.stdout) as { detection: { incidents: { detector: string; last_seen: string }[] } }).detection.incidents
    .find((i) => i.detector === 'host_sweep');
  assert.ok(inc !== undefined && Date.parse(inc.last_seen.replace('+0000', 'Z')) <= (t0 + 10) * 1000, `the pings went on to ${t0 + 29}; the incident to ${inc?.last_seen}`);
});

test('a sweep looped over the same hosts stays raised to its last pass', () => {
  // A reviewer: judging only hosts new to the window left a sweep repeated every 20 s with one alert.
  const t0 = 1_700_000_500;
  const frames: PcapPacket[] = [];
  for (let pass = 0; pass < 9; pass++) {
    for (let h = 1; h <= 60; h++) frames.push({ sec: t0 + 20 * pass, frac: h * 5000, data: ipv4Icmp(PROBER, ip(`10.77.0.${100 + h}`), 8, 0) });
  }
  const file = join(dir, 'looped-sweep.pcap');
  writeFileSync(file, pcapFile(frames));
  const r = spawnSync(CLI, ['analyze', file, '--no-store', '--summary', 'json', '-q'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const inc = (JSON.parse(r.stdout) as { detection: { incidents: { detector: string; last_seen: string; count: number }[] } }).detection.incidents
    .find((i) => i.detector === 'host_sweep');
  assert.ok(inc !== undefined && inc.count >= 9, JSON.stringify(inc));
  assert.ok(Date.parse(inc.last_seen.replace('+0000', 'Z')) >= (t0 + 160) * 1000, inc.last_seen);
});
