// `netwatch daemon` as systemd runs it: config checked at start, alerts into the log and the table,
// SIGHUP reload (good and bad), SIGTERM within 5 s, kill -9 loses nothing reported, retention runs.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CLI, CORPUS } from '../support/corpus.js';
import { createNetnsPair, type NetnsPair } from '../support/netns.js';

let net: NetnsPair;
const dir = mkdtempSync(join(tmpdir(), 'nw-daemon-'));
const children: ChildProcess[] = [];

before(() => { net = createNetnsPair('dm'); });
after(() => { for (const c of children) c.kill('SIGKILL'); net?.destroy(); });

interface Daemon { child: ChildProcess; log: () => string; exit: Promise<number | null> }

function startDaemon(config: Record<string, unknown>, name: string): Daemon {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(config));
  // The suite's NETWATCH_DB would override the file's db (environment beats file): the test names its own.
  const env = { ...process.env };
  delete env.NETWATCH_DB;
  const child = spawn('ip', ['netns', 'exec', net.nsA, process.execPath, CLI, 'daemon', '--config', file], { stdio: ['ignore', 'pipe', 'pipe'], env });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, log: () => out, exit };
}

async function until(what: string, cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs fn with a tmpfs of the given size mounted at dir/name (a small disk to fill), unmounted after. */
async function withTmpfs(name: string, size: string, fn: (mnt: string) => Promise<void>): Promise<void> {
  const mnt = join(dir, name);
  spawnSync('mkdir', ['-p', mnt]);
  assert.equal(spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mnt]).status, 0);
  try {
    await fn(mnt);
  } finally {
    spawnSync('umount', ['-l', mnt]);
  }
}

function flood(port: number): void {
  spawnSync('ip', ['netns', 'exec', net.nsB, 'timeout', '20', 'hping3', '-q', '-S', '-p', String(port), '-i', 'u300', '-c', '3000', net.ipA], { stdio: 'ignore' });
}

test('bad config is refused at start with the key named, exit 2', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ interface: net.ifA, colour: 'blue' }, /colour: unknown key/],
    [{ interface: net.ifA, retentionDays: -1 }, /retentionDays: must be a number from 0 to 36500/],
    [{ interface: net.ifA, schedules: { retention: 'every hour' } }, /schedules\.retention: not a cron expression/],
    [{ interface: net.ifA, detection: { portScan: { minPortz: 3 } } }, /detection\.portScan\.minPortz: unknown key/],
    [{ interface: net.ifA, modelRefreshMinWindows: 100000 }, /modelRefreshMinWindows 100000 is more than detection\.anomaly\.refreshWindows 50000, .*would never be refreshed/],
    // "" was read as 0 (retention off), "8" passed for 8, and a size took a fraction.
    [{ interface: net.ifA, retentionDays: '' }, /retentionDays: must be a number from 0 to 36500, got ""/],
    [{ interface: net.ifA, bufferMb: '8' }, /bufferMb: must be a number from 1 to 4096, got "8"/],
    [{ interface: net.ifA, snaplen: 100.5 }, /snaplen: must be a whole number from 64 to 262144, got 100\.5/],
    // A typo in a path made the whole tree (as root, at the filesystem's root): only default directories are made.
    [{ interface: net.ifA, alertLog: '/nonexistent-nw/dir/a.json' }, /bad\.json: alertLog: \/nonexistent-nw\/dir\/a\.json: directory \/nonexistent-nw\/dir does not exist/],
    // libpcap refuses the filter: the same one line on stderr (it was only a JSON log line on stdout).
    [{ interface: 'lo', filter: 'tcp port 22 and', db: join(dir, 'badfilter.db'), alertLog: null }, /^netwatch: bad capture filter "tcp port 22 and": /m],
  ];
  for (const [cfg, re] of cases) {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify(cfg));
    const r = spawnSync(process.execPath, [CLI, 'daemon', '--config', file], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, re);
  }
  const noDir = spawnSync(process.execPath, [CLI, 'daemon', '-i', net.ifA, '--db', join(dir, 'no-such-dir', 'x.db')], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(noDir.status, 2, noDir.stderr);
  assert.match(noDir.stderr, /^netwatch: --db: .*no-such-dir\/x\.db: directory .*no-such-dir does not exist/);
  const env = spawnSync(process.execPath, [CLI, 'daemon'], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, NETWATCH_LOG_LEVEL: 'loud' } });
  assert.equal(env.status, 2);
  assert.match(env.stderr, /environment: NETWATCH_LOG_LEVEL: must be one of/);
  const empty = spawnSync(process.execPath, [CLI, 'daemon'], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, NETWATCH_RETENTION_DAYS: '' } });
  assert.equal(empty.status, 2);
  assert.match(empty.stderr, /^netwatch: environment: NETWATCH_RETENTION_DAYS: must be a number from 0 to 36500, got ""\n$/);
  // A flag is named as it was typed.
  const flag = spawnSync(process.execPath, [CLI, 'daemon', '--log-level', 'loud'], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(flag.status, 2);
  assert.match(flag.stderr, /^netwatch: --log-level: must be one of fatal, error, warn, info, debug, trace, got "loud"\n$/);
});

test('alerts reach the log and the table; SIGUSR2 reopens the log; SIGHUP reloads or refuses; SIGTERM exits 0 within 5 s', { timeout: 120_000 }, async () => {
  const db = join(dir, 'd1.db');
  const alertLog = join(dir, 'd1-alerts.json');
  const cfg = { interface: net.ifA, db, alertLog, statsIntervalSec: 1 };
  const d = startDaemon(cfg, 'd1');
  await until('capturing', () => d.log().includes('"msg":"capturing"'), 20_000);
  flood(8081);
  await until('an alert in the alert log', () => existsSync(alertLog) && readFileSync(alertLog, 'utf8').includes('"detector":"syn_flood"'), 10_000);
  const q = spawnSync(CLI, ['alerts', '--db', db, '--detector', 'syn_flood', '--format', 'json'], { encoding: 'utf8' });
  assert.match(q.stdout, new RegExp(`"src_ip":"${net.ipB.replace(/\./g, '\\.')}"`));
  await until('a stats line', () => d.log().includes('"msg":"stats"'), 5_000);

  // Rotation: the log is moved away, SIGUSR2 reopens it, the next alert lands in a new file.
  renameSync(alertLog, `${alertLog}.1`);
  d.child.kill('SIGUSR2');
  await until('the reopen logged', () => d.log().includes('alert log reopened'), 5_000);
  flood(8086);
  await until('an alert in the new log', () => existsSync(alertLog) && readFileSync(alertLog, 'utf8').includes('"dest_port":8086'), 10_000);
  assert.doesNotMatch(readFileSync(`${alertLog}.1`, 'utf8'), /"dest_port":8086/);

  writeFileSync(join(dir, 'd1.json'), JSON.stringify({ ...cfg, bogus: true }));
  d.child.kill('SIGHUP');
  await until('a refused reload', () => d.log().includes('config reload refused'), 5_000);
  // A feed that cannot be read refuses the whole file: the new log level was applied beside the logged
  // feed error (and the reload below then listed logLevel and intel as changed).
  writeFileSync(join(dir, 'd1.json'), JSON.stringify({ ...cfg, logLevel: 'warn', intel: { feeds: [{ path: join(dir, 'no-such-feed.txt'), format: 'plain' }] } }));
  d.child.kill('SIGHUP');
  await until('the missing feed refused', () => /no-such-feed\.txt: cannot read: no such file.*config reload refused/.test(d.log()), 5_000);
  writeFileSync(join(dir, 'd1.json'), JSON.stringify({ ...cfg, filter: 'tcp', detection: { synFlood: { minSyns: 100 } }, schedules: { retention: '*/7 * * * * *' } }));
  d.child.kill('SIGHUP');
  // A schedule is fixed at start: the log says it needs a restart (it was once left out of both lists).
  await until('a reload', () => /"changed":\["detection","filter"\],"needsRestart":\["schedules"\].*config reloaded/.test(d.log()), 5_000);
  await until('capture restarted on the new filter', () => d.log().includes('restarting capture with the new filter'), 5_000);
  await until('capturing with the filter', () => /"filter":"tcp","msg":"capturing"/.test(d.log()), 10_000);
  // A filter libpcap refuses is refused like any bad file, whole: the capture goes on with the one it had
  // (the daemon once stopped, recording the run as completed), and nothing else of that file is applied
  // (its thresholds and log level once were).
  const good = { ...cfg, filter: 'tcp', detection: { synFlood: { minSyns: 100 } }, schedules: { retention: '*/7 * * * * *' } };
  const reloads = d.log().split('config reloaded').length;
  writeFileSync(join(dir, 'd1.json'), JSON.stringify({ ...good, filter: 'tcp port 22 and', logLevel: 'debug', detection: { synFlood: { minSyns: 150 } } }));
  d.child.kill('SIGHUP');
  await until('the bad filter refused', () => d.log().includes('config reload refused: bad filter'), 10_000);
  await until('capturing again with the previous filter', () => d.log().split('"filter":"tcp","msg":"capturing"').length >= 3, 10_000);
  assert.doesNotMatch(d.log(), /cannot capture/);
  assert.equal(d.log().split('config reloaded').length, reloads, 'the refused file was not reported as reloaded');
  // Reloading the same file again is refused at once: the refused filter is not tried again (no restart).
  const restarts = d.log().split('restarting capture').length;
  d.child.kill('SIGHUP');
  await until('the second refusal', () => d.log().includes('filter \\"tcp port 22 and\\" was refused by libpcap at an earlier reload'), 5_000);
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(d.log().split('restarting capture').length, restarts);
  // The good file with the same thresholds and log level: both still count as changes, so none was applied.
  writeFileSync(join(dir, 'd1.json'), JSON.stringify({ ...good, logLevel: 'debug', detection: { synFlood: { minSyns: 150 } } }));
  d.child.kill('SIGHUP');
  await until('the good file applied', () => /"changed":\["logLevel","detection"\],"needsRestart":\["schedules"\].*config reloaded/.test(d.log()), 5_000);

  const t0 = Date.now();
  d.child.kill('SIGTERM');
  const code = await d.exit;
  assert.equal(code, 0, d.log());
  assert.ok(Date.now() - t0 < 5_000, `took ${Date.now() - t0} ms`);
  const conn = new Database(db, { readonly: true });
  const run = conn.prepare('SELECT status, packets, alerts FROM capture_runs').get() as { status: string; packets: number; alerts: number };
  conn.close();
  assert.equal(run.status, 'completed');
  assert.ok(run.packets >= 3000 && run.alerts >= 1, JSON.stringify(run));
});

test('kill -9 in an alert storm: every alert in the alert log is in the database, which opens cleanly', { timeout: 120_000 }, async () => {
  const db = join(dir, 'd2.db');
  const alertLog = join(dir, 'd2-alerts.json');
  const d = startDaemon({ interface: net.ifA, db, alertLog, detection: { alerts: { suppressSec: 0 } } }, 'd2');
  await until('capturing', () => d.log().includes('"msg":"capturing"'), 20_000);
  flood(8082);
  await until('alerts in the alert log', () => existsSync(alertLog) && readFileSync(alertLog, 'utf8').split('\n').filter(Boolean).length >= 1, 10_000);
  d.child.kill('SIGKILL');
  spawnSync('pkill', ['-KILL', '-f', join(dir, 'd2.json')]);
  await d.exit;
  const logged = readFileSync(alertLog, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { timestamp: string; alert: { signature_id: number } });
  const conn = new Database(db);
  assert.equal(conn.pragma('integrity_check', { simple: true }), 'ok');
  const stored = new Set((conn.prepare('SELECT timestamp, signature_id FROM alerts').all() as { timestamp: string; signature_id: number }[]).map((r) => `${r.timestamp} ${r.signature_id}`));
  conn.close();
  for (const a of logged) assert.ok(stored.has(`${a.timestamp} ${a.alert.signature_id}`), `missing ${a.timestamp}`);
});

test('the retention job deletes old rows in batches on its schedule', { timeout: 60_000 }, async () => {
  const db = join(dir, 'd3.db');
  // Alerts from 2010 and 2015: years older than the retention period.
  for (const f of ['attack/arp-spoof/ppa_arppoison.pcapng', 'attack/bruteforce/zeek_ssh_sshguess.pcap']) {
    assert.equal(spawnSync(CLI, ['analyze', `${CORPUS}/${f}`, '--db', db, '-q', '--summary', 'none']).status, 0);
  }
  const count = () => {
    const conn = new Database(db, { readonly: true });
    const n = (conn.prepare('SELECT count(*) n FROM alerts').get() as { n: number }).n;
    conn.close();
    return n;
  };
  assert.ok(count() >= 3);
  const d = startDaemon({ interface: net.ifA, db, retentionDays: 1, retentionBatch: 1, schedules: { retention: '*/1 * * * * *' } }, 'd3');
  await until('retention', () => d.log().includes('retention done'), 15_000);
  await until('old alerts gone', () => count() === 0, 10_000);
  d.child.kill('SIGTERM');
  assert.equal(await d.exit, 0);
});

test('interface deleted and recreated: the daemon says so, retries, and captures again', { timeout: 90_000 }, async () => {
  const d = startDaemon({ interface: net.ifA, db: join(dir, 'd4.db'), statsIntervalSec: 1 }, 'd4');
  await until('capturing', () => d.log().includes('"msg":"capturing"'), 20_000);
  net.exec(net.nsB, ['ping', '-c', '2', '-i', '0.2', '-W', '1', net.ipA]);
  net.recreateLink();
  await until('the loss noticed', () => d.log().includes('capture lost the interface'), 10_000);
  await until('capturing again', () => d.log().split('"msg":"capturing"').length >= 3, 40_000);
  net.exec(net.nsB, ['ping', '-c', '3', '-i', '0.2', '-W', '1', net.ipA]);
  await until('packets counted after the return', () => {
    const stats = d.log().split('\n').filter((l) => l.includes('"msg":"stats"')).map((l) => (JSON.parse(l) as { packets: number }).packets);
    return stats.length > 0 && stats[stats.length - 1] >= 7;
  }, 10_000);
  d.child.kill('SIGTERM');
  assert.equal(await d.exit, 0, d.log());
});

test('database on a full filesystem: a clear error, capture goes on, alerts reach the log, no corruption', { timeout: 90_000 }, async () => {
  await withTmpfs('small', '1m', async (mnt) => {
    const db = join(mnt, 'netwatch.db');
    const alertLog = join(dir, 'd5-alerts.json');
    const d = startDaemon({ interface: net.ifA, db, alertLog, statsIntervalSec: 1, dbFlows: 'all', detection: { alerts: { suppressSec: 0 } } }, 'd5');
    await until('capturing', () => d.log().includes('"msg":"capturing"'), 20_000);
    // Fill what is left of the filesystem.
    spawnSync('dd', ['if=/dev/zero', `of=${join(mnt, 'filler')}`, 'bs=4k'], { stdio: 'ignore' });
    flood(8084);
    flood(8085);
    await until('alerts in the alert log', () => existsSync(alertLog) && readFileSync(alertLog, 'utf8').includes('syn_flood'), 10_000);
    await until('the database error logged', () => d.log().includes('database writes failing'), 15_000);
    net.exec(net.nsB, ['ping', '-c', '2', '-i', '0.2', '-W', '1', net.ipA]);
    await until('still capturing', () => d.log().split('"msg":"stats"').length > 3, 5_000);
    d.child.kill('SIGTERM');
    assert.equal(await d.exit, 0, d.log());
    spawnSync('rm', ['-f', join(mnt, 'filler')]);
    const conn = new Database(db);
    assert.equal(conn.pragma('integrity_check', { simple: true }), 'ok');
    conn.close();
  });
});

test('database locked by another process: detection goes on, the alerts wait and reach the table when it is released', { timeout: 90_000 }, async () => {
  const db = join(dir, 'd9.db');
  const alertLog = join(dir, 'd9-alerts.json');
  const d = startDaemon({ interface: net.ifA, db, alertLog, statsIntervalSec: 1, detection: { alerts: { suppressSec: 0 } } }, 'd9');
  await until('capturing', () => d.log().includes('"msg":"capturing"'), 20_000);
  const lock = new Database(db);
  lock.exec('BEGIN EXCLUSIVE');
  try {
    flood(8089);
    await until('an alert in the alert log while locked', () => existsSync(alertLog) && readFileSync(alertLog, 'utf8').includes('"dest_port":8089'), 10_000);
    await until('the refused writes logged', () => d.log().includes('database writes failing'), 10_000);
    // The analysis thread does not wait out the lock (it once waited 5 s per write, and lost the rows).
    const statsLines = (): string[] => d.log().split('\n').filter((l) => l.includes('"msg":"stats"'));
    const before = statsLines().length;
    await until('two stats lines while locked', () => statsLines().length >= before + 2, 10_000);
    const lags = statsLines().slice(before).map((l) => (JSON.parse(l) as { eventLoopLagMsP99: number }).eventLoopLagMsP99);
    assert.ok(Math.max(...lags) < 1000, `event loop lag ${Math.max(...lags)} ms`);
  } finally {
    lock.exec('COMMIT');
    lock.close();
  }
  const inTable = (): number => {
    const c = new Database(db, { readonly: true });
    try {
      return (c.prepare('SELECT count(*) AS n FROM alerts WHERE dest_port = 8089').get() as { n: number }).n;
    } finally {
      c.close();
    }
  };
  await until('the queued alerts written', () => inTable() > 0, 10_000);
  d.child.kill('SIGTERM');
  assert.equal(await d.exit, 0, d.log());
  const logged = readFileSync(alertLog, 'utf8').split('\n').filter((l) => l.includes('"dest_port":8089')).length;
  assert.equal(inTable(), logged, 'every alert in the log is in the table');
});

test('the log stream stays JSON when the scheduler misses runs (stopped with SIGSTOP for 3 s)', { timeout: 60_000 }, async () => {
  const d = startDaemon({ interface: net.ifA, db: join(dir, 'd10.db'), statsIntervalSec: 1, schedules: { rollup: '* * * * * *' } }, 'd10');
  await until('capturing', () => d.log().includes('"msg":"capturing"'), 20_000);
  // ip netns exec execs the daemon in its own process.
  const pid = d.child.pid!;
  process.kill(pid, 'SIGSTOP');
  await new Promise((r) => setTimeout(r, 3000));
  process.kill(pid, 'SIGCONT');
  await until('a missed run reported', () => d.log().includes('missed execution'), 10_000);
  d.child.kill('SIGTERM');
  assert.equal(await d.exit, 0, d.log());
  // node-cron's own logger wrote coloured text lines into the pino stream.
  for (const line of d.log().split('\n').filter(Boolean)) assert.doesNotThrow(() => JSON.parse(line), line);
  assert.match(d.log(), /"component":"cron".*missed execution/);
});

test('alert log on a full filesystem: the failure is logged, detection goes on, SIGTERM still stops it', { timeout: 90_000 }, async () => {
  await withTmpfs('small-log', '64k', async (mnt) => {
    const db = join(dir, 'd7.db');
    const d = startDaemon({ interface: net.ifA, db, alertLog: join(mnt, 'alerts.json'), statsIntervalSec: 1, detection: { alerts: { suppressSec: 0 } } }, 'd7');
    await until('capturing', () => d.log().includes('"msg":"capturing"'), 20_000);
    spawnSync('dd', ['if=/dev/zero', `of=${join(mnt, 'filler')}`, 'bs=4k'], { stdio: 'ignore' });
    flood(8087);
    flood(8088);
    // The daemon once died inside the alert hub on ENOSPC, left its capture thread running and ignored SIGTERM.
    await until('the alert log failure logged', () => d.log().includes('alert log writes failing'), 15_000);
    await until('still capturing', () => d.log().split('"msg":"stats"').length > 3, 5_000);
    const t0 = Date.now();
    d.child.kill('SIGTERM');
    assert.equal(await d.exit, 0, d.log());
    assert.ok(Date.now() - t0 < 5_000, `took ${Date.now() - t0} ms`);
    const conn = new Database(db, { readonly: true });
    const alerts = (conn.prepare("SELECT count(*) AS n FROM alerts WHERE detector = 'syn_flood'").get() as { n: number }).n;
    conn.close();
    assert.ok(alerts >= 1, 'the alerts still reached the database');
  });
});

test('an interface that does not exist yet is waited for, as docs/daemon.md says, and SIGTERM stops the wait', { timeout: 60_000 }, async () => {
  const d = startDaemon({ interface: 'nwnotyet0', db: join(dir, 'd8.db'), statsIntervalSec: 1 }, 'd8');
  await until('the retry logged', () => d.log().includes('capture could not start; retrying'), 20_000);
  assert.match(d.log(), /unknown interface \\"nwnotyet0\\"/);
  d.child.kill('SIGTERM');
  assert.equal(await d.exit, 0, d.log());
});

test('model refresh on its schedule: a new model from clean windows, written atomically, the previous kept, the change logged', { timeout: 90_000 }, async () => {
  const model = join(dir, 'model.json');
  // A 1 s window so a few seconds of ping make enough windows.
  const t = spawnSync(CLI, ['train', join(CORPUS, 'benign/pcapplusplus_tls2.pcap'), '--model', model, '--window', '1s', '--min-packets', '3'], { encoding: 'utf8' });
  assert.equal(t.status, 0, t.stderr);
  const trainedText = readFileSync(model, 'utf8');
  const before = JSON.parse(trainedText) as { threshold: number; training: { files: string[] } };
  const bad = join(dir, 'bad-model.json');
  writeFileSync(bad, JSON.stringify({ format: 'netwatch-model', version: 7 }));
  const r = spawnSync(process.execPath, [CLI, 'daemon', '--model', bad, '--interface', net.ifA, '--db', join(dir, 'dx.db')], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /bad-model\.json: model format version 7/);

  const d = startDaemon({ interface: net.ifA, db: join(dir, 'd6.db'), model, modelRefreshMinWindows: 4, schedules: { modelRefresh: '*/3 * * * * *' } }, 'd6');
  await until('capturing', () => d.log().includes('"msg":"capturing"'), 20_000);
  assert.match(d.log(), /"model":"[^"]*model\.json","threshold":[\d.]+/);
  net.exec(net.nsB, ['ping', '-c', '40', '-i', '0.1', '-W', '1', net.ipA]);
  await until('model refreshed', () => d.log().includes('"msg":"model refreshed"'), 20_000);
  const refreshedText = readFileSync(model, 'utf8');
  const prevText = readFileSync(`${model}.prev`, 'utf8');
  // The operator retrains into the same file while the daemon runs: the next refreshes leave that model
  // alone (one overwrote it from the model in memory, and the one after pushed it out of .prev too).
  const retrain = spawnSync(CLI, ['train', join(CORPUS, 'benign/pcapplusplus_tls2.pcap'), '--model', model, '--window', '1s', '--min-packets', '3', '--seed', '7'],
    { encoding: 'utf8' });
  assert.equal(retrain.status, 0, retrain.stderr);
  const retrainedText = readFileSync(model, 'utf8');
  await until('the changed file noticed', () => d.log().includes('model refresh skipped: the model file was changed'), 15_000);
  d.child.kill('SIGTERM');
  assert.equal(await d.exit, 0, d.log());
  assert.equal(readFileSync(model, 'utf8'), retrainedText);
  const skipped = d.log().split('\n').find((l) => l.includes('model file was changed'))!;
  assert.match(skipped, /"level":40/);
  assert.match(skipped, /model\.json was changed since netwatch loaded it .*restart netwatch to use it/);
  const line = d.log().split('\n').find((l) => l.includes('"msg":"model refreshed"'))!;
  const logged = JSON.parse(line) as { oldThreshold: number; newThreshold: number; windows: number; oldScores: object; newScores: object; previous: string };
  assert.equal(logged.oldThreshold, before.threshold);
  assert.ok(logged.windows >= 4 && Number.isFinite(logged.newThreshold) && logged.newScores !== undefined, line);
  // The previous model is kept beside the new one, byte for byte.
  const prev = JSON.parse(prevText) as { threshold: number };
  assert.equal(prev.threshold, before.threshold);
  const after = JSON.parse(refreshedText) as { threshold: number; training: { files: string[] } };
  assert.equal(after.threshold, logged.newThreshold);
  assert.match(after.training.files[0], /daemon refresh/);
  // The model trained by hand is kept for good as .trained (a second refresh overwrites .prev, never it).
  assert.equal(readFileSync(`${model}.trained`, 'utf8'), trainedText);
  assert.match(line, /"trained":"[^"]*model\.json\.trained"/);
  // The refreshed file was a whole model that loads and scores.
  const refreshed = join(dir, 'refreshed-model.json');
  writeFileSync(refreshed, refreshedText);
  const again = spawnSync(CLI, ['detect', join(CORPUS, 'benign/ppa_http_espn.pcapng'), '--model', refreshed, '--no-store', '-q', '--summary', 'json'], { encoding: 'utf8' });
  assert.equal(again.status, 0, again.stderr);
});

test('intel feeds: loaded at start with their counts logged, read again on SIGHUP, matches alert', { timeout: 60_000 }, async () => {
  const feed = join(dir, 'feed.txt');
  writeFileSync(feed, '192.0.2.1\nnot-an-address!\n');
  const alertLog = join(dir, 'd7-alerts.json');
  const d = startDaemon({ interface: net.ifA, db: join(dir, 'd7.db'), alertLog, intel: { feeds: [{ path: feed, format: 'firehol', name: 'local' }] } }, 'd7');
  await until('capturing', () => d.log().includes('"msg":"capturing"'), 20_000);
  const loaded = JSON.parse(d.log().split('\n').find((l) => l.includes('"msg":"intel feed loaded"'))!) as { feed: string; indicators: number; badLines: number };
  assert.deepEqual([loaded.feed, loaded.indicators, loaded.badLines], ['local', 1, 1]);
  // The peer is not listed yet: its ping raises nothing.
  net.exec(net.nsB, ['ping', '-c', '2', '-i', '0.2', '-W', '1', net.ipA]);
  writeFileSync(feed, `192.0.2.1\n${net.ipB}\n`);
  d.child.kill('SIGHUP');
  await until('intel reloaded', () => d.log().includes('"msg":"intel reloaded"'), 10_000);
  assert.match(d.log(), /"why":"SIGHUP","feeds":1,"indicators":2,"msg":"intel reloaded"/);
  // A new flow (matching is on first contact; the ping's flow is still open).
  net.exec(net.nsB, ['bash', '-c', `echo hello > /dev/udp/${net.ipA}/9999`]);
  await until('intel alert', () => existsSync(alertLog) && readFileSync(alertLog, 'utf8').includes('"detector":"intel"'), 10_000);
  const a = readFileSync(alertLog, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { src_ip: string; dest_ip: string; netwatch: { detector: string } })
    .filter((x) => x.netwatch.detector === 'intel');
  // The UDP packet from the peer, and the ICMP port-unreachable sent back to it: two first contacts.
  assert.equal(a[0].src_ip, net.ipB);
  assert.ok(a.every((x) => x.src_ip === net.ipB || x.dest_ip === net.ipB) && a.length <= 2, JSON.stringify(a));
  d.child.kill('SIGTERM');
  assert.equal(await d.exit, 0, d.log());
});
