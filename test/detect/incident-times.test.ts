// An incident's last_seen is the latest of its triggers, whatever order they are counted in.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AlertHub, type RaiseRequest } from '../../src/alert/alert-hub.js';

const request = (score: number): RaiseRequest => ({
  detector: 'port_scan', variant: 1, detail: `scan (${score})`, key: 'port_scan|10.77.0.9|10.77.0.2', src: '10.77.0.9', dst: '10.77.0.2',
  proto: 'TCP', score, threshold: 1, evidence: {}, window: '60s',
});

test('a trigger dated before the incident\'s last one is counted without pulling last_seen back', () => {
  // A reviewer: a raise judged at an earlier packet (a held-back raise, time stepping back within the
  // incident) moved last_seen back before triggers the incident had already counted.
  const hub = new AlertHub({ suppressSec: 60, incidentIdleSec: 600, maxIncidents: 100 });
  const at = (sec: number) => ({ tsSec: sec, tsNsec: 0, file: null, index: 0 });
  assert.equal(hub.raise(request(1), 1000, at(1000)), true);
  assert.equal(hub.raise(request(2), 1030, at(1030)), false);
  assert.equal(hub.raise(request(3), 1010, at(1010)), false);
  const [inc] = hub.allIncidents();
  assert.equal(inc.count, 3);
  assert.equal(inc.last_seen, '1970-01-01T00:17:10.000000+0000', 'the trigger at 1030 s');
  assert.equal(inc.peak_score, 3);
});
