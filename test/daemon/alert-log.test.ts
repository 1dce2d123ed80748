// The alert log on a disk that fills up: what the disk refuses is held and written in order once there is
// room, past the memory bound it is dropped and counted but later alerts are written again, a reopen
// (logrotate) on a full disk does not throw, and close never hangs.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EveAlert } from '../../src/alert/eve-alert.js';
import { AlertLogSink } from '../../src/output/alert-sinks.js';

const dir = mkdtempSync(join(tmpdir(), 'nw-alertlog-'));
const mnt = join(dir, 'disk');

before(() => {
  spawnSync('mkdir', ['-p', mnt]);
  assert.equal(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mnt]).status, 0);
});
after(() => {
  spawnSync('umount', ['-l', mnt]);
  rmSync(dir, { recursive: true, force: true });
});

const alert = null as unknown as EveAlert;
const line = (n: number, pad = 0): string => JSON.stringify({ n, pad: 'x'.repeat(pad) });
const fill = (): void => { try { writeFileSync(join(mnt, 'filler'), Buffer.alloc(1024 * 1024)); } catch { /* full: what was wanted */ } };
const unfill = (): void => rmSync(join(mnt, 'filler'), { force: true });
const numbers = (path: string): number[] => readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { n: number }).n);

test('refused lines are held and written in order when there is room; a reopen on a full disk does not throw', () => {
  const path = join(mnt, 'a.json');
  const log = new AlertLogSink(path);
  log.alert(alert, line(0));
  fill();
  for (let i = 1; i <= 100; i++) log.alert(alert, line(i, 200));
  assert.ok(log.writeErrors > 0);
  assert.ok(log.held > 0, 'nothing held on a full disk');
  // logrotate moves the file and sends SIGUSR2 while the disk is still full.
  renameSync(path, `${path}.1`);
  assert.doesNotThrow(() => log.reopen());
  unfill();
  log.alert(alert, line(101));
  assert.equal(log.held, 0);
  log.close();
  assert.equal(log.lostAtClose, false);
  assert.equal(log.dropped, 0);
  const all = [...numbers(`${path}.1`), ...numbers(path)];
  assert.deepEqual(all, Array.from({ length: 102 }, (_, i) => i));
  rmSync(path);
  rmSync(`${path}.1`);
});

test('past the 16 MiB held, alerts are dropped and counted, and writing resumes once there is room; close does not hang', { timeout: 60_000 }, () => {
  const big = join(dir, 'big');
  spawnSync('mkdir', ['-p', big]);
  assert.equal(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', big]).status, 0);
  try {
    const path = join(big, 'b.json');
    const filler = join(big, 'filler');
    const log = new AlertLogSink(path);
    try { writeFileSync(filler, Buffer.alloc(32 * 1024 * 1024)); } catch { /* full */ }
    // 1,800 alerts of 10 KB refused: more than the 16 MiB held.
    for (let i = 0; i < 1800; i++) log.alert(alert, line(i, 10_000));
    assert.ok(log.dropped > 0, 'nothing dropped past the bound');
    const held = log.held;
    assert.equal(held + log.dropped, 1800);
    rmSync(filler);
    // Room again: the held lines and the next alert are written (sonic-boom dropped everything from here on).
    log.alert(alert, line(5000));
    assert.equal(log.held, 0);
    const written = numbers(path);
    assert.equal(written.length, held + 1);
    assert.equal(written[written.length - 1], 5000);
    assert.deepEqual(written.slice(0, -1), [...written.slice(0, -1)].sort((a, b) => a - b), 'held lines out of order');
    // A full disk at close: given up at once (sonic-boom's flushSync retried for ever).
    try { writeFileSync(filler, Buffer.alloc(32 * 1024 * 1024)); } catch { /* full */ }
    log.alert(alert, line(5001, 10_000));
    const t0 = Date.now();
    log.close();
    assert.ok(Date.now() - t0 < 5000);
    assert.equal(log.lostAtClose, true);
  } finally {
    spawnSync('umount', ['-l', big]);
  }
});
