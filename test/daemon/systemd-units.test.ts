// The shipped systemd units pass `systemd-analyze verify` and rate OK or better in `systemd-analyze security`.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDaemonConfig } from '../../src/config/daemon-config.js';
import { CLI, REPO_ROOT } from '../support/corpus.js';

const dir = mkdtempSync(join(tmpdir(), 'nw-units-'));

/** The units name /usr/local/bin/netwatch; verify checks the binary exists, so point it at this checkout. */
function localCopy(unit: string, as: string): string {
  const text = readFileSync(join(REPO_ROOT, 'systemd', unit), 'utf8').replaceAll('/usr/local/bin/netwatch', CLI);
  const path = join(dir, as);
  writeFileSync(path, text);
  return path;
}

for (const [unit, as] of [['netwatch.service', 'netwatch.service'], ['netwatch@.service', 'netwatch@eth0.service']]) {
  test(`${unit}: systemd-analyze verify passes and security rates it OK or better`, () => {
    const path = localCopy(unit, as);
    const verify = spawnSync('systemd-analyze', ['verify', path], { encoding: 'utf8' });
    assert.equal(verify.status, 0, verify.stderr);
    assert.equal(verify.stderr.trim(), '', verify.stderr);
    const sec = spawnSync('systemd-analyze', ['security', '--offline=true', path], { encoding: 'utf8' });
    const m = /Overall exposure level for \S+: ([\d.]+) (\w+)/.exec(sec.stdout);
    assert.ok(m, sec.stdout + sec.stderr);
    assert.ok(['OK', 'SAFE'].includes(m[2]), `rated ${m[1]} ${m[2]}`);
    assert.ok(Number(m[1]) < 3, `exposure ${m[1]}`);
    const text = readFileSync(path, 'utf8');
    // A config error (exit 2) is not restarted into for ever; a stop has time to write the run's totals.
    assert.match(text, /^RestartPreventExitStatus=2$/m);
    assert.match(text, /^TimeoutStopSec=90$/m);
  });
}

test('netwatch@.service: each instance writes its own alert log, whatever the shared config says', () => {
  const text = readFileSync(join(REPO_ROOT, 'systemd', 'netwatch@.service'), 'utf8');
  const env = /^Environment=NETWATCH_ALERT_LOG=(\S+)$/m.exec(text);
  assert.ok(env, 'no NETWATCH_ALERT_LOG');
  assert.equal(env[1], '/var/log/netwatch-%i/alerts.json');
  assert.match(text, /^LogsDirectory=netwatch-%i$/m);
  // The daemon takes it over the file's alertLog (environment beats file).
  const cfg = join(dir, 'shared.json');
  writeFileSync(cfg, JSON.stringify({ alertLog: '/var/log/netwatch/alerts.json', db: join(dir, 'x.db') }));
  const before = process.env.NETWATCH_ALERT_LOG;
  process.env.NETWATCH_ALERT_LOG = join(dir, 'eth1-alerts.json');
  try {
    assert.equal(loadDaemonConfig(cfg, {}).alertLog, join(dir, 'eth1-alerts.json'));
  } finally {
    if (before === undefined) delete process.env.NETWATCH_ALERT_LOG; else process.env.NETWATCH_ALERT_LOG = before;
  }
});
