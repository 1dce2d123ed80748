// --config: thresholds change detection; unknown keys and bad values are refused naming the key.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, CORPUS } from '../support/corpus.js';

const dir = mkdtempSync(join(tmpdir(), 'nw-config-'));
const scan = `${CORPUS}/attack/scan/ppa_synscan.pcapng`;

function run(config: unknown) {
  const path = join(dir, `c${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, typeof config === 'string' ? config : JSON.stringify(config));
  return spawnSync(CLI, ['analyze', scan, '--config', path, '--summary', 'json', '-q'], { encoding: 'utf8' });
}

test('a raised threshold silences a detector, the default fires', () => {
  const dflt = run({});
  assert.equal(dflt.status, 0, dflt.stderr);
  assert.ok((JSON.parse(dflt.stdout).detection.alertsRaised as number) >= 1);
  const quiet = run({ detection: { portScan: { minPorts: 5000 } } });
  assert.equal(quiet.status, 0, quiet.stderr);
  assert.equal(JSON.parse(quiet.stdout).detection.alertsRaised, 0);
});

test('bad config files are one line naming the key, exit 2', () => {
  const cases: [unknown, RegExp][] = [
    [{ detection: { portScan: { minPortz: 5 } } }, /detection\.portScan\.minPortz: unknown key \(known: windowSec, minPorts, maxOpenRatio\)/],
    [{ detection: { portScan: { minPorts: 'many' } } }, /detection\.portScan\.minPorts: must be a non-negative number/],
    [{ detection: { flows: { capacity: 1000 } } }, /detection\.flows\.capacity: must be a power of two/],
    // Capacities past what fits in memory crashed ("Invalid typed array length") or grew without end (an operator review).
    [{ detection: { flows: { capacity: 2 ** 27 } } }, /detection\.flows\.capacity: must be a power of two from 1024 to 16777216, got 134217728/],
    [{ detection: { flows: { capacity: 2 ** 40 } } }, /detection\.flows\.capacity: must be a power of two from 1024 to 16777216/],
    [{ detection: { hosts: { capacity: 2 ** 32 } } }, /detection\.hosts\.capacity: must be a power of two from 1024 to 1048576, got 4294967296/],
    [{ detection: { anomaly: { hostCapacity: 2 ** 30 } } }, /detection\.anomaly\.hostCapacity: must be at most 1048576/],
    [{ detection: { alerts: { maxIncidents: 2 ** 30 } } }, /detection\.alerts\.maxIncidents: must be at most 1000000/],
    [{ detektion: {} }, /detektion: unknown key/],
    [{ detection: { portScan: { windowSec: 0 } } }, /detection\.portScan\.windowSec: must be above 0, got 0/],
    [{ detection: { portScan: { maxOpenRatio: 5 } } }, /detection\.portScan\.maxOpenRatio: must be a ratio from 0 to 1, got 5/],
    [{ detection: { flows: { timeouts: { tcpAttempt: 0 } } } }, /detection\.flows\.timeouts\.tcpAttempt: must be above 0/],
    [{ detection: { bruteForce: { minConnections: 2.5 } } }, /detection\.bruteForce\.minConnections: must be a whole number, got 2\.5/],
    [{ detection: { synFlood: { networkMinSources: 2.5 } } }, /detection\.synFlood\.networkMinSources: must be a whole number/],
    [{ detection: { rareService: { minCountToBeCommon: 2.5 } } }, /detection\.rareService\.minCountToBeCommon: must be a whole number/],
    // A minimum count of 0 made every window a verdict with an infinite score (an operator review).
    [{ detection: { portScan: { minPorts: 0 } } }, /detection\.portScan\.minPorts: must be a whole number of at least 1, got 0/],
    ['{ not json', /not valid JSON/],
  ];
  for (const [cfg, re] of cases) {
    const r = run(cfg);
    assert.equal(r.status, 2, `${JSON.stringify(cfg)}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  }
  // A file that cannot be read names the flag and says why in words (it said "X: cannot read: ENOENT").
  for (const [path, why] of [[join(dir, 'missing.json'), 'no such file'], [dir, 'is a directory']]) {
    const r = spawnSync(CLI, ['analyze', scan, '--config', path, '-q'], { encoding: 'utf8' });
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr, `netwatch: --config ${path}: cannot read: ${why}\n`);
  }
  // 0 where it means "off" is accepted: no suppression, no learning period.
  assert.equal(run({ detection: { alerts: { suppressSec: 0 }, rareService: { learnSec: 0 } } }).status, 0);
});
