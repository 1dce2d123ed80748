// The SQLite store as an operator uses it: analyze and capture write runs, alerts and incidents;
// `netwatch alerts` and `netwatch incidents` find them with every filter; schema versions are guarded.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { EveAlert, Incident } from '../../src/alert/eve-alert.js';
import { SIGNATURES } from '../../src/alert/signatures.js';
import { CLI, CORPUS } from '../support/corpus.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/store/schema-migrations.js';
import { RunStore } from '../../src/store/netwatch-db.js';

const dir = mkdtempSync(join(tmpdir(), 'nw-store-'));
const db = join(dir, 'netwatch.db');
const files = ['attack/arp-spoof/ppa_arppoison.pcapng', 'attack/bruteforce/zeek_ssh_sshguess.pcap', 'attack/scan/ppa_synscan.pcapng'];

function run(args: string[]) {
  return spawnSync(CLI, args, { encoding: 'utf8' });
}

function jsonLines(text: string): EveAlert[] {
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as EveAlert);
}

test('analyze records runs, alerts and incidents; the alert table equals the --alerts export', () => {
  const exported: EveAlert[] = [];
  for (const f of files) {
    const out = join(dir, 'export.json');
    const r = run(['analyze', `${CORPUS}/${f}`, '--db', db, '--alerts', out, '--summary', 'none', '-q']);
    assert.equal(r.status, 0, r.stderr);
    exported.push(...jsonLines(readFileSync(out, 'utf8')));
  }
  const q = run(['alerts', '--db', db, '--format', 'json', '--limit', '1000']);
  assert.equal(q.status, 0, q.stderr);
  const stored = jsonLines(q.stdout);
  const key = (a: EveAlert) => `${a.timestamp} ${a.alert.signature_id} ${a.src_ip} ${a.dest_ip}`;
  assert.deepEqual(stored.map(key).sort(), exported.map(key).sort());
  const conn = new Database(db, { readonly: true });
  const runs = conn.prepare('SELECT kind, packets, alerts, status FROM capture_runs ORDER BY id').all() as { kind: string; packets: number; alerts: number; status: string }[];
  conn.close();
  assert.deepEqual(runs.map((r) => [r.kind, r.packets, r.status]), [['file', 165, 'completed'], ['file', 431, 'completed'], ['file', 2011, 'completed']]);
  assert.equal(runs.reduce((n, r) => n + r.alerts, 0), exported.length);
});

test('every filter of netwatch alerts, and the table and CSV forms', () => {
  const count = (args: string[]) => {
    const r = run(['alerts', '--db', db, '--format', 'json', ...args]);
    assert.equal(r.status, 0, r.stderr);
    return jsonLines(r.stdout);
  };
  assert.deepEqual([...new Set(count(['--detector', 'arp_spoof']).map((a) => a.netwatch.detector))], ['arp_spoof']);
  const bySrc = count(['--src', '192.168.56.1']);
  assert.ok(bySrc.length >= 1 && bySrc.every((a) => a.src_ip === '192.168.56.1'));
  // Addresses are compared as addresses: an IPv4-mapped spelling finds the same rows.
  assert.equal(count(['--src', '::ffff:192.168.56.1']).length, bySrc.length);
  assert.ok(count(['--dst', '64.13.134.52']).length >= 1);
  assert.ok(count(['--severity', 'medium']).every((a) => a.alert.severity <= 2));
  assert.ok(count(['--severity', 'high']).every((a) => a.alert.severity === 1));
  const ssh = count(['--since', '2015-03-30T00:00:00Z', '--until', '2015-03-31T00:00:00Z']);
  assert.ok(ssh.length >= 1 && ssh.every((a) => a.timestamp.startsWith('2015-03-30')));
  assert.equal(count(['--since', '1h']).length, 0, 'the captures are years old');
  assert.equal(count(['--limit', '1']).length, 1);
  // A cut list says so on stderr (100 rows by default looked like the whole table); a whole one says nothing.
  const all = count(['--limit', '100000']).length;
  assert.match(run(['alerts', '--db', db, '--limit', '1']).stderr, /^netwatch: note: the newest 1 alerts shown; more match \(--limit N shows more\)\n$/);
  assert.equal(run(['alerts', '--db', db, '--limit', String(all)]).stderr, '');
  assert.match(run(['incidents', '--db', db, '--limit', '1']).stderr, /the newest 1 incidents shown/);
  assert.match(run(['stats', '--db', db, '--limit', '1']).stderr, /the newest 1 minutes shown/);
  const csv = run(['alerts', '--db', db, '--format', 'csv']);
  assert.match(csv.stdout.split('\n')[0], /^timestamp,severity,detector,src_ip,src_port,dest_ip,dest_port,proto,signature_id,run_id,incident_id,signature$/);
  const table = run(['alerts', '--db', db]);
  assert.match(table.stdout, /^timestamp\s+severity\s+detector/);
  assert.match(table.stdout, /arp_spoof/);
  const inc = run(['incidents', '--db', db, '--format', 'json']);
  const incidents = inc.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { detector: string; count: number; severity: number });
  assert.ok(incidents.some((i) => i.detector === 'arp_spoof' && i.count === 4));
  // An incident has its detector's severity, and --severity filters incidents as it does alerts.
  assert.deepEqual(new Set(incidents.map((i) => `${i.detector}:${i.severity}`)), new Set(incidents.map((i) => `${i.detector}:${SIGNATURES[i.detector as keyof typeof SIGNATURES].severity}`)));
  const high = run(['incidents', '--db', db, '--format', 'json', '--severity', 'high']).stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { detector: string; severity: number });
  assert.ok(high.length >= 1 && high.length < incidents.length, `${high.length} of ${incidents.length}`);
  assert.ok(high.every((i) => i.severity === 1));
  assert.match(run(['incidents', '--db', db]).stdout, /^id\s+run_id\s+run_incident\s+severity\s+detector/);
  // A time range selects the incidents active in it: ppa_synscan's ran 20:24:17.97 to 20:24:25.35.
  const scanIn = (since: string, until: string) => run(['incidents', '--db', db, '--format', 'json', '--detector', 'port_scan', '--since', since, '--until', until])
    .stdout.split('\n').filter(Boolean).length;
  assert.equal(scanIn('2010-07-04T20:24:00Z', '2010-07-04T20:24:20Z'), 1, 'began in the range, went on after it');
  assert.equal(scanIn('2010-07-04T20:24:20Z', '2010-07-04T20:24:22Z'), 1, 'active all through the range');
  assert.equal(scanIn('2010-07-04T20:24:26Z', '2010-07-04T20:25:00Z'), 0, 'over before the range');
  assert.equal(scanIn('2010-07-04T20:20:00Z', '2010-07-04T20:24:17Z'), 0, 'not begun by the end of the range');
  // A date/time without a zone is UTC, as every time netwatch prints: under TZ=Asia/Tokyo Date.parse read
  // "2010-07-04T21:00:00" as local time but "2010-07-05" as UTC. Fractions are kept to the microsecond:
  // Date.parse stopped at milliseconds, so --until at an alert's own time could leave it out.
  const scans = count(['--detector', 'port_scan']).map((a) => a.timestamp).sort();
  const inTokyo = (args: string[]) => {
    const r = spawnSync(CLI, ['alerts', '--db', db, '--format', 'json', '--detector', 'port_scan', ...args], { encoding: 'utf8', env: { ...process.env, TZ: 'Asia/Tokyo' } });
    assert.equal(r.status, 0, r.stderr);
    return jsonLines(r.stdout).map((a) => a.timestamp).sort();
  };
  assert.ok(scans.length >= 1 && scans[0].startsWith('2010-07-04T20:24:'), scans[0]);
  assert.deepEqual(inTokyo(['--since', '2010-07-04T20:00:00', '--until', '2010-07-04T21:00']), scans);
  assert.deepEqual(inTokyo(['--since', '2010-07-04', '--until', '2010-07-04T20:30:00']), scans);
  assert.deepEqual(inTokyo(['--since', '2010-07-05T05:20:00+09:00', '--until', '2010-07-05T05:30:00+0900']), scans);
  const first = scans[0].slice(0, 26);
  const before = `${first.slice(0, 20)}${String(Number(first.slice(20)) - 1).padStart(6, '0')}`;
  assert.deepEqual(inTokyo(['--until', first]), [scans[0]], `--until ${first}`);
  assert.deepEqual(inTokyo(['--until', `${before}Z`]), [], `--until ${before}Z`);
  assert.deepEqual(inTokyo(['--since', `${first}000Z`]), scans);
  // From an alert to its incident: the alert's run and EVE incident_id are the incident's run_id and run_incident.
  const alert = count(['--detector', 'port_scan'])[0];
  const alertCsv = run(['alerts', '--db', db, '--detector', 'port_scan', '--format', 'csv']).stdout.split('\n')[1].split(',');
  const runId = Number(alertCsv[9]);
  assert.equal(Number(alertCsv[10]), alert.netwatch.incident_id);
  const its = (JSON.parse(inc.stdout.split('\n').filter(Boolean).find((l) => {
    const i = JSON.parse(l) as { run_id: number; run_incident: number };
    return i.run_id === runId && i.run_incident === alert.netwatch.incident_id;
  }) ?? 'null')) as { detector: string; src_ip: string } | null;
  assert.equal(its?.detector, 'port_scan');
  assert.equal(its?.src_ip, alert.src_ip);
  const bad = run(['alerts', '--db', db, '--severity', 'urgent']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--severity urgent: use high, medium or low/);
  // A filter that could only ever match nothing is a usage error, not an empty table.
  const refused: [string[], RegExp][] = [
    [['alerts', '--detector', 'nosuch'], /--detector nosuch: unknown \(known: port_scan, /],
    [['alerts', '--src', '10.10.10.0/24'], /--src 10\.10\.10\.0\/24: not an IP address \(give one address/],
    [['incidents', '--dst', 'gateway'], /--dst gateway: not an IP address/],
    [['stats', '--src', '1.2.3.4'], /Unknown argument: src/],
    [['alerts', '--since', '2025-01-01', '--until', '2024-01-01'], /^netwatch: --until 2024-01-01 is before --since 2025-01-01\n$/],
    [['incidents', '--severity', 'high', '--since', '1h', '--until', '2h'], /--until 2h is before --since 1h/],
    // A bare number is neither a duration nor an ISO 8601 date (Date.parse made 1 January 2001 of "1").
    [['alerts', '--since', '1'], /^netwatch: --since 1: not a duration \(30m, 1h, 7d\) or a date\/time/],
    [['hosts', '--history', '1.2.3.999'], /^netwatch: --history 1\.2\.3\.999: not an IP address\n$/],
    [['alerts', '--limit', '1', '--limit', '2'], /^netwatch: --limit given 2 times \(1, 2\): give it once\n$/],
  ];
  for (const [args, re] of refused) {
    const r = run([...args, '--db', db]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
  }
});

test('a database from a newer netwatch is refused; a missing one is a clear error', () => {
  const newer = join(dir, 'newer.db');
  copyFileSync(db, newer);
  const conn = new Database(newer);
  conn.pragma('user_version = 99');
  conn.close();
  for (const args of [['alerts', '--db', newer], ['analyze', `${CORPUS}/${files[0]}`, '--db', newer, '-q']]) {
    const r = run(args);
    // The --db named is the wrong one for this netwatch: a usage error (exit 2), like a file that is not a database.
    assert.equal(r.status, 2);
    assert.match(r.stderr, /schema version 99 is newer than this netwatch understands/);
  }
  // One of an older schema is upgraded by capture or analyze; a query opens it read-only and says so.
  const older = join(dir, 'older.db');
  copyFileSync(db, older);
  const o = new Database(older);
  o.pragma('user_version = 1');
  o.close();
  const q = run(['alerts', '--db', older]);
  assert.equal(q.status, 2, q.stderr);
  assert.match(q.stderr, /schema version 1 is older than \d+; open it once with capture or analyze to upgrade it/);
  // A missing database is a bad --db value (exit 2, as for report and serve); a missing directory too
  // (it passed on better-sqlite3's "Cannot open database because the directory does not exist", exit 1).
  for (const path of [join(dir, 'missing.db'), join(dir, 'no-such-dir', 'x.db')]) {
    const missing = run(['alerts', '--db', path]);
    assert.equal(missing.status, 2, missing.stderr);
    assert.equal(missing.stderr, `netwatch: ${path}: cannot open the database: no such database (run capture or analyze with --db first)\n`);
  }
  // A database that cannot be created (a read-only mount) says so, not "no such database".
  const ro = join(dir, 'ro');
  mkdirSync(ro, { recursive: true });
  assert.equal(spawnSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', ro]).status, 0);
  try {
    const r = run(['analyze', `${CORPUS}/${files[0]}`, '--db', join(ro, 'x.db'), '-q']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /x\.db: cannot open the database: cannot create or write it here \(read-only file system\)/);
  } finally {
    spawnSync('umount', ['-l', ro]);
  }
});

test('an empty (version 0) database is upgraded on open', () => {
  const old = join(dir, 'old.db');
  new Database(old).close();
  const r = run(['analyze', `${CORPUS}/${files[1]}`, '--db', old, '--summary', 'none', '-q']);
  assert.equal(r.status, 0, r.stderr);
  const conn = new Database(old, { readonly: true });
  assert.equal(conn.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  assert.equal(conn.pragma('journal_mode', { simple: true }), 'wal');
  conn.close();
});

test('a database of an older schema keeps its rows and gains the new tables', () => {
  const v1 = join(dir, 'v1.db');
  const conn = new Database(v1);
  conn.exec(MIGRATIONS[0].sql);
  conn.pragma('user_version = 1');
  conn.prepare("INSERT INTO capture_runs (kind, source, started_at) VALUES ('file', 'old.pcap', '2020-01-01T00:00:00Z')").run();
  conn.close();
  const r = run(['analyze', `${CORPUS}/${files[1]}`, '--db', v1, '--summary', 'none', '-q']);
  assert.equal(r.status, 0, r.stderr);
  const after = new Database(v1, { readonly: true });
  assert.equal(after.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  assert.deepEqual(after.prepare('SELECT source FROM capture_runs ORDER BY id').all().map((x) => (x as { source: string }).source).slice(0, 1), ['old.pcap']);
  assert.ok((after.prepare('SELECT count(*) n FROM stats_minutes').get() as { n: number }).n >= 1);
  after.close();
});

test('per-minute statistics and stored flows (--db-flows all and alerted); netwatch stats reads them', () => {
  const statsDb = join(dir, 'stats.db');
  const r = run(['analyze', `${CORPUS}/benign/pcapplusplus_tls2.pcap`, '--db', statsDb, '--db-flows', 'all', '--flows', join(dir, 'f.json'), '--summary', 'json', '-q']);
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout) as { packets: number; bytes: number };
  const conn = new Database(statsDb, { readonly: true });
  const totals = conn.prepare('SELECT sum(packets) p, sum(bytes) b, count(*) n FROM stats_minutes').get() as { p: number; b: number; n: number };
  assert.equal(totals.p, summary.packets);
  assert.equal(totals.b, summary.bytes);
  assert.ok(totals.n >= 3, `${totals.n} minutes`);
  const flows = conn.prepare('SELECT count(*) n FROM flows').get() as { n: number };
  // The table's durations are the flow log's, to the microsecond.
  const durations = (conn.prepare('SELECT duration FROM flows ORDER BY ts_epoch, src_port').all() as { duration: number }[]).map((f) => f.duration);
  conn.close();
  const logged = readFileSync(join(dir, 'f.json'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { ts: string; src_port: number; duration: number });
  assert.equal(flows.n, logged.length);
  logged.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : a.src_port - b.src_port));
  assert.deepEqual(durations, logged.map((f) => f.duration));
  const s = run(['stats', '--db', statsDb, '--format', 'json']);
  assert.equal(s.status, 0, s.stderr);
  const rows = s.stdout.trim().split('\n').map((l) => JSON.parse(l) as { packets: number; top_talkers: { address: string }[] });
  assert.equal(rows.reduce((n, x) => n + x.packets, 0), summary.packets);
  assert.ok(rows.every((x) => Array.isArray(x.top_talkers)));
  assert.match(run(['stats', '--db', statsDb]).stdout, /^minute\s+run_id\s+packets\s+avg_pps/);

  const alertedDb = join(dir, 'alerted.db');
  assert.equal(run(['analyze', `${CORPUS}/attack/arp-spoof/ppa_arppoison.pcapng`, '--db', alertedDb, '--db-flows', 'alerted', '-q', '--summary', 'none']).status, 0);
  const c2 = new Database(alertedDb, { readonly: true });
  const stored = c2.prepare('SELECT src_ip, dest_ip, dest_port, alerted FROM flows').all();
  c2.close();
  assert.deepEqual(stored, [{ src_ip: '172.16.0.107', dest_ip: '74.125.95.147', dest_port: 80, alerted: 1 }]);
});

test('a row the database can never take is dropped and counted; it does not hold back the rows after it', () => {
  const path = join(dir, 'rejects.db');
  const store = new RunStore(path, 'interface', 'test0');
  const eve = (n: number, score: number): EveAlert => ({
    timestamp: `2024-05-01T12:00:0${n}.000000+0000`, flow_id: 0, event_type: 'alert', src_ip: '10.77.0.1', dest_ip: '10.77.0.2', proto: 'TCP',
    alert: { action: 'allowed', gid: 1, signature_id: 9100101, rev: 1, signature: `test ${n}`, category: 'Attempted Information Leak', severity: 2 },
    netwatch: { detector: 'port_scan', score, threshold: 1, incident_id: n, evidence: {}, window: '10s', loss: { ring_drops: 0, kernel_drops: 0 } },
  } as unknown as EveAlert);
  // NaN binds as NULL: alerts.score is NOT NULL. It was once queued at the head of every retry, holding
  // every later alert, statistic and flow back for the rest of the run.
  store.alert(eve(1, NaN), '{}');
  for (let n = 2; n <= 5; n++) store.alert(eve(n, 1), '{}');
  store.flush();
  assert.equal(store.rowsRejected, 1);
  assert.equal(store.queued, 0);
  store.finish([], { packets: 0, bytes: 0, ringDrops: 0, kernelDrops: 0, alerts: 5 }, 'completed');
  const conn = new Database(path, { readonly: true });
  const rows = conn.prepare('SELECT signature FROM alerts ORDER BY id').all() as { signature: string }[];
  conn.close();
  assert.deepEqual(rows.map((r) => r.signature), ['test 2', 'test 3', 'test 4', 'test 5']);
});

test('runs left running by a process that died are marked interrupted by the next writer; live ones are left alone', () => {
  const path = join(dir, 'interrupted.db');
  new RunStore(path, 'file', 'first').finish([], { packets: 0, bytes: 0, ringDrops: 0, kernelDrops: 0, alerts: 0 }, 'completed');
  const dead = spawnSync('sh', ['-c', 'echo $$']).stdout.toString().trim();
  const conn = new Database(path);
  const add = conn.prepare(`INSERT INTO capture_runs (kind, source, started_at, pid, host) VALUES ('interface', ?, '2024-05-01T00:00:00Z', ?, ?)`);
  add.run('killed', Number(dead), hostname());
  add.run('alive', process.pid, hostname());
  add.run('elsewhere', Number(dead), 'another-host');
  conn.close();
  const store = new RunStore(path, 'interface', 'next');
  assert.equal(store.runsInterrupted, 1);
  store.finish([], { packets: 0, bytes: 0, ringDrops: 0, kernelDrops: 0, alerts: 0 }, 'completed');
  const rows = new Database(path, { readonly: true }).prepare('SELECT source, status FROM capture_runs ORDER BY id').all();
  assert.deepEqual(rows, [
    { source: 'first', status: 'completed' }, { source: 'killed', status: 'interrupted' }, { source: 'alive', status: 'running' },
    { source: 'elsewhere', status: 'running' }, { source: 'next', status: 'completed' },
  ]);
});

test('a running capture\'s totals reach its run row as it goes, and the end makes them final', () => {
  const path = join(dir, 'progress.db');
  const store = new RunStore(path, 'interface', 'test0');
  const row = () => {
    const conn = new Database(path, { readonly: true });
    try {
      return conn.prepare('SELECT packets, bytes, alerts, status FROM capture_runs').get() as { packets: number; bytes: number; alerts: number; status: string };
    } finally {
      conn.close();
    }
  };
  store.progress({ packets: 6664, bytes: 500_000, ringDrops: 0, kernelDrops: 0, alerts: 3 });
  assert.deepEqual(row(), { packets: 6664, bytes: 500_000, alerts: 3, status: 'running' });
  store.finish([], { packets: 7000, bytes: 510_000, ringDrops: 0, kernelDrops: 0, alerts: 4 }, 'completed');
  assert.deepEqual(row(), { packets: 7000, bytes: 510_000, alerts: 4, status: 'completed' });
});

test('incidents the retention job deleted stay deleted when the run ends; newer ones are written', async () => {
  const path = join(dir, 'retention.db');
  const store = new RunStore(path, 'interface', 'test0');
  const incident = (id: number, last: string): Incident => ({
    id, detector: 'port_scan', signature: `scan ${id}`, key: `k${id}`, src_ip: '10.77.0.1', dest_ip: '10.77.0.2',
    first_seen: '2024-05-01T12:00:00.000000+0000', last_seen: last, count: 3, alerts: 1, peak_score: 2, peak_detail: 'x',
  });
  const old = incident(1, '2024-05-01T12:00:05.000000+0000');
  const recent = incident(2, '2024-05-03T12:00:05.000000+0000');
  store.incident(old, true);
  store.incident(recent, true);
  const deleted = await store.deleteOlderThan(Date.parse('2024-05-02T00:00:00Z') / 1000, 100);
  assert.equal(deleted.incidents, 1);
  // A repeat folded into the purged incident, then the end of the run: both used to write it back.
  store.incident({ ...old, count: 4 }, false);
  store.flush();
  store.finish([{ ...old, count: 4 }, { ...recent, count: 5 }], { packets: 1, bytes: 1, ringDrops: 0, kernelDrops: 0, alerts: 2 }, 'completed');
  const conn = new Database(path, { readonly: true });
  const rows = conn.prepare('SELECT run_incident, count FROM incidents ORDER BY run_incident').all();
  conn.close();
  assert.deepEqual(rows, [{ run_incident: 2, count: 5 }]);
});

test('stats counts the distinct sources of a minute to within 2%: the spoofed flood\'s 37,623 (CATALOG.md)', () => {
  const statsDb = join(dir, 'stats-spoofed.db');
  const r = run(['analyze', `${CORPUS}/attack/dos/stopddos_pkt.TCP.synflood.spoofed.pcap`, '--db', statsDb, '-q', '--summary', 'none']);
  assert.equal(r.status, 0, r.stderr);
  const q = run(['stats', '--db', statsDb, '--format', 'json']);
  assert.equal(q.status, 0, q.stderr);
  const rows = q.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { packets: number; distinct_hosts: number });
  assert.equal(rows.length, 1);
  assert.equal(rows[0].packets, 37841);
  // A 4,096-bit sketch filled at its ceiling, 34,070.
  assert.ok(Math.abs(rows[0].distinct_hosts - 37623) <= 0.02 * 37623, `${rows[0].distinct_hosts}`);
});
