// The shipped systemd units pass `systemd-analyze verify` and rate OK or better in `systemd-analyze security`.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  });
}
