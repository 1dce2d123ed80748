// `netwatch analyze` as a user runs it: exports checked against tshark, exit codes, no half-written files.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, lstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import type { EveAlert } from '../../src/alert/eve-alert.js';
import { CLI, CORPUS } from '../support/corpus.js';
import { PcapngBuilder, ip, ipv4Tcp } from '../support/frame-builder.js';

const dir = mkdtempSync(join(tmpdir(), 'nw-analyze-'));

function run(args: string[]) {
  return spawnSync(CLI, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
}

function parseCsv(text: string): string[][] {
  // The fields compared here never contain quotes or commas; DNS names are checked separately.
  return text.trimEnd().split('\n').map((l) => l.split(','));
}

function tsharkTable(path: string): string[][] {
  const out = execFileSync('tshark', ['-r', path, '-n', '-o', 'ip.defragment:FALSE', '-o', 'ipv6.defragment:FALSE', '-T', 'fields',
    '-E', 'occurrence=f', '-e', 'frame.time_epoch', '-e', 'ip.src', '-e', 'ipv6.src', '-e', 'ip.dst', '-e', 'ipv6.dst',
    '-e', 'tcp.srcport', '-e', 'udp.srcport', '-e', 'tcp.dstport', '-e', 'udp.dstport', '-e', 'frame.len'],
  { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 28 });
  return out.trimEnd().split('\n').map((l) => l.split('\t'));
}

for (const file of ['benign/pcapplusplus_tls2.pcap', 'attack/scan/ppa_synscan.pcapng', 'benign/pcapplusplus_DnsPackets.pcap']) {
  test(`CSV export of ${file} matches tshark column by column`, () => {
    const out = join(dir, file.replace(/\W/g, '_') + '.csv');
    const r = run(['analyze', `${CORPUS}/${file}`, '--export', 'csv', '-o', out, '--summary', 'json']);
    assert.equal(r.status, 0, r.stderr);
    const rows = parseCsv(readFileSync(out, 'utf8'));
    assert.deepEqual(rows[0].slice(0, 7), ['timestamp', 'src_ip', 'dst_ip', 'src_port', 'dst_port', 'protocol', 'length']);
    const theirs = tsharkTable(`${CORPUS}/${file}`);
    assert.equal(rows.length - 1, theirs.length);
    const summary = JSON.parse(r.stdout) as { packets: number };
    assert.equal(summary.packets, theirs.length);
    for (let i = 0; i < theirs.length; i++) {
      const [epoch, s4, s6, d4, d6, tsp, usp, tdp, udp, len] = theirs[i];
      const ours = rows[i + 1];
      const tsUs = Math.round(Date.parse(ours[0]) * 1000) + Number(ours[0].slice(23, 26));
      assert.equal(tsUs, Math.round(Number(epoch) * 1e6), `frame ${i + 1} timestamp ${ours[0]} vs ${epoch}`);
      if (ours[1] !== '' && ours[5] !== 'ARP') {
        assert.equal(ours[1], s4 || s6, `frame ${i + 1} src_ip`);
        assert.equal(ours[2], d4 || d6, `frame ${i + 1} dst_ip`);
      }
      if (ours[5] === 'TCP') { assert.equal(ours[3], tsp); assert.equal(ours[4], tdp); }
      if (ours[5] === 'UDP') { assert.equal(ours[3], usp); assert.equal(ours[4], udp); }
      assert.equal(ours[6], len, `frame ${i + 1} length`);
    }
  });
}

test('JSON Lines export carries the same packets as the CSV export', () => {
  const file = `${CORPUS}/benign/pcapplusplus_DnsPackets.pcap`;
  const csv = run(['analyze', file, '--export', 'csv', '--summary', 'none']);
  const json = run(['analyze', file, '--export', 'json', '--summary', 'none']);
  assert.equal(csv.status, 0);
  assert.equal(json.status, 0);
  const header = csv.stdout.split('\n')[0].split(',');
  const objs = json.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(objs.length, csv.stdout.trimEnd().split('\n').length - 1);
  const names = objs.filter((o) => o.dns_qname !== undefined).length;
  assert.ok(names > 400, `only ${names} DNS names exported`);
  for (const o of objs) for (const k of Object.keys(o)) assert.ok(header.includes(k), `unknown key ${k}`);
  assert.equal(objs[0].frame, 1);
  assert.equal(typeof objs[0].length, 'number');
});

test('a file corrupt part way is analysed up to the bad record: the export complete to there, a warning, exit 1', () => {
  const out = join(dir, 'corrupt.csv');
  const r = run(['analyze', `${CORPUS}/edge/sv_tls_DER_corrupt_rechdr.pcap`, '--export', 'csv', '-o', out, '--summary', 'none', '--no-store']);
  assert.equal(r.status, 1);
  assert.equal(r.stderr.split('\n').filter((l) => l.includes('corrupt packet record')).length, 1, r.stderr);
  assert.match(r.stderr, /byte offset 5035: .*; the 6 packets before it were analysed/);
  // Header and the six packets before the bad record.
  assert.equal(readFileSync(out, 'utf8').trimEnd().split('\n').length, 7);
});

test('a corrupt file among others: every file read, alerts and statistics kept, the run recorded as damaged', () => {
  const db = join(dir, 'damaged-run.db');
  const alerts = join(dir, 'damaged-run.alerts.json');
  const scan = `${CORPUS}/attack/scan/ppa_synscan.pcapng`;
  const r = run(['analyze', `${CORPUS}/edge/sv_tls_DER_corrupt_rechdr.pcap`, scan, '--db', db, '--alerts', alerts, '-q', '--summary', 'json']);
  assert.equal(r.status, 1, r.stderr);
  const summary = JSON.parse(r.stdout) as { packets: number; files: { packets: number; damage?: string }[] };
  assert.deepEqual(summary.files.map((f) => [f.packets, f.damage !== undefined]), [[6, true], [2011, false]]);
  assert.equal(summary.packets, 2017);
  const exported = readFileSync(alerts, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { alert: { signature: string } });
  assert.ok(exported.some((a) => /scan/i.test(a.alert.signature)), 'the scan in the file after the damaged one is alerted');
  const d = new Database(db, { readonly: true });
  try {
    const runs = d.prepare('SELECT packets, status, alerts FROM capture_runs').all() as { packets: number; status: string; alerts: number }[];
    assert.equal(runs.length, 1);
    assert.equal(runs[0].status, 'damaged');
    assert.equal(runs[0].packets, 2017);
    const minutes = d.prepare('SELECT sum(packets) AS n FROM stats_minutes').get() as { n: number };
    assert.equal(runs[0].packets, minutes.n);
    assert.equal(runs[0].alerts, exported.length);
    assert.ok(runs[0].alerts >= 1);
  } finally {
    d.close();
  }
});

test('a file cut short is analysed to its last whole packet, with a warning and a complete export', () => {
  const out = join(dir, 'cut.json');
  const r = run(['analyze', `${CORPUS}/edge/sv_http-mime-truncated_cut.pcap`, '-o', out, '--summary', 'json']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /byte offset 2715459/);
  assert.equal(readFileSync(out, 'utf8').trimEnd().split('\n').length, 2696);
});

test('usage errors exit 2 with one line naming the problem', () => {
  const cases: [string[], RegExp][] = [
    [['analyze'], /analyze: name at least one capture file/],
    [['analyze', 'x.pcap', '--bogus'], /Unknown argument: bogus/],
    [['analyze', `${CORPUS}/benign/pcapplusplus_DnsPackets.pcap`, '-o', join(dir, 'x.txt')], /--out .*x\.txt: cannot tell the format/],
    [['analyze', 'x.pcap', '--export', 'xml'], /^netwatch: --export "xml": must be one of "csv", "json" \(see netwatch analyze --help\)\n$/],
    [['analyze', 'x.pcap', '--alerts', ''], /^netwatch: --alerts: needs a file name \(or - for standard output\)\n$/],
    [['analyze', 'x.pcap', '--alert-log', '-'], /^netwatch: --alert-log -: the alert log is a file appended to/],
    [['train', `${CORPUS}/benign/pcapplusplus_DnsPackets.pcap`, '--model-type', 'autoencoder', '--trees', '50'], /^netwatch: train: --trees is for the isolation forest; the autoencoder takes --epochs\n$/],
    [['train', `${CORPUS}/benign/pcapplusplus_DnsPackets.pcap`, '--epochs', '5'], /^netwatch: train: --epochs is for the autoencoder \(--model-type autoencoder\); the isolation forest takes --trees\n$/],
    [['detect', `${CORPUS}/benign/pcapplusplus_DnsPackets.pcap`, '--model', ''], /^netwatch: --model: needs a file name \(a model made by netwatch train\)\n$/],
    [['detect', `${CORPUS}/benign/pcapplusplus_DnsPackets.pcap`, '--model', '-', '--no-store'], /^netwatch: --model: needs a file name/],
    [['analyze', 'x.pcap', '--export', 'xml', '--summary', 'foo'], /^netwatch: --export "xml": must be one of "csv", "json"; --summary "foo": must be one of "text", "json", "none" \(see netwatch analyze --help\)\n$/],
    [['capture', '-i', 'lo', '--count', 'abc'], /^netwatch: --count "abc": must be an integer at least 0\n$/],
    [['capture', '-i', 'lo', '-c', 'x7'], /^netwatch: --count "x7": must be an integer at least 0\n$/],
    [['frobnicate'], /^netwatch: unknown command "frobnicate": name one of capture, analyze, /],
  ];
  for (const [args, re] of cases) {
    const r = run(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
});

test('a reader that stops early (| head) ends the run quietly with status 0', () => {
  // 2,011 CSV rows (about 180 KB) do not fit in a pipe: netwatch writes on after head has gone.
  const r = spawnSync('bash', ['-o', 'pipefail', '-c', `"${CLI}" analyze "${CORPUS}/attack/scan/ppa_synscan.pcapng" --export csv --no-store | head -2`],
    { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.split('\n').length, 3);
  assert.doesNotMatch(r.stderr, /write failed|EPIPE/);
  // All 180 KB are written at the end, after every packet was read: the summary says so.
  assert.match(r.stderr, /stopped\s+standard output closed by its reader \(output cut short; every packet analysed\)/);
});

test('"-" names standard output for --out, --alerts and --flows (yargs alone would take it for a file)', () => {
  const file = `${CORPUS}/attack/scan/ppa_synscan.pcapng`;
  const csv = run(['analyze', file, '--export', 'csv', '--out', '-', '--no-store', '--summary', 'none']);
  assert.equal(csv.status, 0, csv.stderr);
  assert.equal(csv.stdout.trimEnd().split('\n').length, 2012);
  for (const flag of ['--alerts', '--flows']) {
    // With the summary on: it goes to stderr, and stdout holds only JSON lines (for jq).
    const r = run(['analyze', file, flag, '-', '--no-store', '-q']);
    assert.equal(r.status, 0, `${flag}: ${r.stderr}`);
    const lines = r.stdout.trimEnd().split('\n');
    for (const l of lines) assert.equal((JSON.parse(l) as { src_ip: string }).src_ip !== undefined, true, `${flag}: ${l}`);
    assert.equal((JSON.parse(lines[0]) as { src_ip: string }).src_ip, '172.16.0.8', flag);
    assert.match(r.stderr, /^Summary: /m);
  }
});

test('--no-store without --db opens no database (not even to read assets)', () => {
  const db = join(dir, 'nostore.db');
  const file = `${CORPUS}/attack/scan/ppa_synscan.pcapng`;
  assert.equal(run(['analyze', file, '--db', db, '-q', '--summary', 'none']).status, 0);
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('nostore.db')), ['nostore.db']);
  const r = spawnSync(CLI, ['analyze', file, '--no-store', '-q', '--summary', 'none'], { encoding: 'utf8', env: { ...process.env, NETWATCH_DB: db } });
  assert.equal(r.status, 0, r.stderr);
  // Opening it (even read-only) would have left its -wal and -shm files beside it.
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('nostore.db')), ['nostore.db']);
});

test('a file that is missing, a directory or not a capture is a usage error (exit 2, as tshark), one line', () => {
  const missing = run(['analyze', join(dir, 'nope.pcap')]);
  assert.equal(missing.status, 2);
  assert.equal(missing.stderr, `netwatch: ${join(dir, 'nope.pcap')}: cannot open: no such file\n`);
  const directory = run(['analyze', dir]);
  assert.equal(directory.status, 2, directory.stderr);
  assert.equal(directory.stderr, `netwatch: ${dir}: cannot open: is a directory\n`);
  writeFileSync(join(dir, 'notes.pcap'), 'these are notes, not packets\n');
  for (const args of [['analyze'], ['report', '--html', join(dir, 'notes.html')]]) {
    const text = run([...args, join(dir, 'notes.pcap')]);
    assert.equal(text.status, 2, text.stderr);
    assert.match(text.stderr, /^netwatch: .*notes\.pcap: not a pcap or pcapng file \(magic 0x74686573 at offset 0\)\n$/);
  }
});

test('the summary covers several files, protocols and volume over time', () => {
  const r = run(['analyze', `${CORPUS}/attack/scan/ppa_synscan.pcapng`, `${CORPUS}/benign/pcapplusplus_DnsPackets.pcap`, '--summary', 'json']);
  assert.equal(r.status, 0, r.stderr);
  const s = JSON.parse(r.stdout) as {
    packets: number; files: { packets: number }[]; protocols: { protocol: string; packets: number }[];
    topTalkers: { address: string }[]; volume: { buckets: unknown[] };
  };
  assert.equal(s.packets, 2011 + 464);
  assert.deepEqual(s.files.map((f) => f.packets), [2011, 464]);
  assert.ok((s.protocols.find((p) => p.protocol === 'TCP')?.packets ?? 0) >= 2011);
  assert.equal(s.protocols.reduce((n, p) => n + p.packets, 0), s.packets);
  assert.equal(s.topTalkers[0].address, '172.16.0.8');
  assert.ok(s.volume.buckets.length > 0);
  const text = run(['analyze', `${CORPUS}/attack/scan/ppa_synscan.pcapng`]);
  assert.match(text.stdout, /protocols\n\s+TCP\s+2,011 pkts 100\.0%/);
  assert.match(text.stdout, /volume per second/);
});

test('files out of time order and a clock that jumps: the time range and the volume cover every packet', () => {
  type Vol = { packets: number; first: string; last: string; durationSec: number; volume: { bucketSec: number; buckets: { start: string; packets: number }[] } };
  const sum = (v: Vol): number => v.volume.buckets.reduce((n, b) => n + b.packets, 0);
  // The ARP capture is 12 days later than the scan, and given first.
  const later = `${CORPUS}/attack/arp-spoof/ppa_arppoison.pcapng`;
  const earlier = `${CORPUS}/attack/scan/ppa_synscan.pcapng`;
  for (const files of [[later, earlier], [earlier, later]]) {
    const r = run(['analyze', ...files, '--no-store', '--summary', 'json']);
    assert.equal(r.status, 0, r.stderr);
    const v = JSON.parse(r.stdout) as Vol;
    assert.equal(v.packets, 2176);
    assert.equal(sum(v), 2176);
    // To the microsecond, as capinfos gives them (first of the scan, last of the ARP capture).
    assert.equal(v.first, '2010-07-04T20:24:16.274870Z');
    assert.equal(v.last, '2010-07-16T03:39:47.122706Z');
    assert.ok(v.durationSec > 11 * 86400, String(v.durationSec));
    assert.ok(v.volume.buckets.length <= 60);
    // The scan's packets are in a row of their own day, not folded into the ARP capture's.
    const scanRow = v.volume.buckets.find((b) => b.packets >= 2011);
    assert.ok(scanRow !== undefined && scanRow.start.startsWith('2010-07-04'), JSON.stringify(v.volume.buckets.filter((b) => b.packets > 0)));
  }
  // pcapplusplus_example2: 26 packets in 2010, then the clock jumps to 2015 for the other 4,683.
  const j = run(['analyze', `${CORPUS}/edge/pcapplusplus_example2.pcap`, '--no-store', '--no-detect', '--summary', 'json']);
  const v = JSON.parse(j.stdout) as Vol;
  assert.equal(sum(v), v.packets);
  assert.equal(v.packets, 4709);
});

test('train and report warn about a file cut short and about time stepping back as analyze does', () => {
  const cut = `${CORPUS}/edge/sv_http-mime-truncated_cut.pcap`;
  const stepped = `${CORPUS}/attack/bruteforce/ppa1e_ftp-crack.pcap`;
  // The warnings about the files (train adds its own about the training set).
  const warnings = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith(`netwatch: warning: ${CORPUS}/`));
  const analyzed = run(['analyze', cut, stepped, '--no-store', '--summary', 'none', '-q']);
  assert.equal(analyzed.status, 0, analyzed.stderr);
  const expected = warnings(analyzed.stderr);
  // The cut file; the stepped one, read after it though its capture is seventeen years older; its own step back.
  assert.equal(expected.length, 3, analyzed.stderr);
  assert.match(expected[1], /ppa1e_ftp-crack\.pcap: goes back 6283\.3 days before the latest packet of the files read before it \(at packet 1\);/);
  const trained = run(['train', cut, stepped, '--model', join(dir, 'warned-model.json')]);
  assert.equal(trained.status, 0, trained.stderr);
  assert.deepEqual(warnings(trained.stderr), expected);
  const reported = run(['report', cut, stepped, '--html', join(dir, 'warned.html'), '-q']);
  assert.equal(reported.status, 0, reported.stderr);
  assert.deepEqual(warnings(reported.stderr), expected);
});

test('packet time that steps back (one capture appended to itself) is warned about and reported', () => {
  const r = run(['analyze', `${CORPUS}/attack/bruteforce/ppa1e_ftp-crack.pcap`, '--no-store', '--summary', 'json', '-q']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /ppa1e_ftp-crack\.pcap: packet time steps back 1 time\(s\), by up to 44 s \(at packet 9866\)/);
  const s = JSON.parse(r.stdout) as { files: { timeStepsBack?: { count: number; largestSec: number; atPacket: number } }[] };
  assert.deepEqual(s.files[0].timeStepsBack, { count: 1, largestSec: 44, atPacket: 9866 });
  // An ordered file says nothing.
  const ok = run(['analyze', `${CORPUS}/attack/scan/ppa_synscan.pcapng`, '--no-store', '--summary', 'json', '-q']);
  assert.doesNotMatch(ok.stderr, /steps back/);
  assert.equal((JSON.parse(ok.stdout) as { files: { timeStepsBack?: unknown }[] }).files[0].timeStepsBack, undefined);
});

test('files given out of time order are warned about, and windows restart at the step instead of keeping the later file\'s counts', () => {
  // An operator's review: tcpdump -C names its files f, f1 ... f10, which a shell glob sorts out of time
  // order. Read in the order given, the scan's first probe was filed as "about 504 ports" from 1,004 probes
  // the files read before it had counted, with no warning.
  const parts = join(dir, 'split');
  mkdirSync(parts);
  execFileSync('editcap', ['-c', '1000', `${CORPUS}/attack/scan/ppa_synscan.pcapng`, join(parts, 'syn.pcapng')]);
  const files = readdirSync(parts).sort().reverse().map((f) => join(parts, f));
  assert.equal(files.length, 3);
  const alerts = join(dir, 'split-alerts.json');
  const r = run(['analyze', ...files, '--no-store', '--summary', 'json', '-q', '--alerts', alerts]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`${files[1]}: goes back 19 s before the latest packet of the files read before it \\(at packet 1\\); files are read in the order given`));
  assert.match(r.stderr, new RegExp(`${files[2]}: goes back 23 s before`));
  const s = JSON.parse(r.stdout) as { files: { behindEarlierFiles?: { sec: number; atPacket: number } }[] };
  // capinfos: the parts begin at 20:24:16.27, 20:24:20.01 and 20:24:21.42, and the last ends at 20:24:39.36.
  assert.deepEqual(s.files.map((f) => f.behindEarlierFiles?.sec), [undefined, 19.4, 23.1]);
  const raised = readFileSync(alerts, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as EveAlert);
  const earliest = raised.filter((a) => a.pcap_filename === files[2]);
  assert.ok(earliest.length > 0, 'the scan is found in the earliest part too');
  // What the earliest part counts is its own (the middle part, 1.3 s behind the last one, is reordering).
  for (const a of earliest) {
    const probes = (a.netwatch.evidence as { probes: number }).probes;
    assert.ok(probes <= a.pcap_cnt!, `${a.pcap_filename} packet ${a.pcap_cnt}: ${probes} probes counted`);
  }
});

test('--help shows examples for each command', () => {
  for (const cmd of ['capture', 'analyze', 'interfaces']) {
    const r = run([cmd, '--help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /Examples:/, cmd);
  }
});

test('outputs that collide are usage errors: one file named twice, two streams on stdout', () => {
  const file = `${CORPUS}/attack/tunnel/sv_thc_covert_send6.pcap`;
  const same = run(['analyze', file, '--no-store', '-q', '--alerts', join(dir, 'same.json'), '-o', join(dir, 'same.json')]);
  assert.equal(same.status, 2, same.stderr);
  assert.match(same.stderr, /^netwatch: --out and --alerts both name .*same\.json: give each its own file\n$/);
  const twoStreams = run(['analyze', file, '--no-store', '-q', '--alerts', '-', '--flows', '-']);
  assert.equal(twoStreams.status, 2, twoStreams.stderr);
  assert.match(twoStreams.stderr, /--alerts and --flows both write to standard output/);
  assert.equal(twoStreams.stdout, '');
});

test('every file is checked before the first is analysed: a wrong last name leaves no database and no export', () => {
  const db = join(dir, 'late-missing.db');
  const r = run(['analyze', `${CORPUS}/attack/scan/ppa_synscan.pcapng`, join(dir, 'nope.pcap'), '--db', db, '--alerts', join(dir, 'late.json')]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /nope\.pcap: cannot open: no such file/);
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('late')), []);
  const d = run(['detect']);
  assert.equal(d.status, 2);
  assert.match(d.stderr, /^netwatch: detect: name at least one capture file/);
});

test('a value that looks negative reaches its option\'s check; unknown commands and flags are named once', () => {
  const since = run(['alerts', '--since', '-1h', '--db', join(dir, 'none.db')]);
  assert.equal(since.status, 2, since.stderr);
  assert.match(since.stderr, /^netwatch: --since -1h: not a duration/);
  const cmd = run(['bogus']);
  assert.equal(cmd.status, 2);
  assert.match(cmd.stderr, /^netwatch: unknown command "bogus"/);
  assert.match(cmd.stderr, /\(see netwatch --help\)\n$/);
  // A word like no command was "Unknown argument: foo" (an operator review).
  const foo = run(['foo']);
  assert.equal(foo.status, 2);
  assert.match(foo.stderr, /^netwatch: unknown command "foo": name one of capture, analyze, .*, report \(see netwatch --help\)\n$/);
  const flag = run(['analyze', `${CORPUS}/attack/scan/ppa_synscan.pcapng`, '--bogus-flag']);
  assert.equal(flag.status, 2);
  assert.match(flag.stderr, /^netwatch: Unknown argument: bogus-flag \(see netwatch analyze --help\)\n$/);
});

test('an output file in a directory that does not exist is refused, and nothing is created', () => {
  const missing = join(dir, 'no-such-dir');
  for (const flag of ['--alert-log', '--alerts', '--flows']) {
    const r = run(['analyze', `${CORPUS}/attack/scan/ppa_synscan.pcapng`, '--no-store', '-q', flag, join(missing, 'x.json')]);
    assert.equal(r.status, 2, `${flag}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^netwatch: ${flag} .*x\\.json: directory .*no-such-dir does not exist\\n$`));
  }
  assert.deepEqual(readdirSync(dir).filter((f) => f === 'no-such-dir'), []);
  const db = run(['analyze', `${CORPUS}/attack/scan/ppa_synscan.pcapng`, '-q', '--db', join(missing, 'x.db')]);
  assert.equal(db.status, 2, db.stderr);
  assert.match(db.stderr, /^netwatch: --db .*x\.db: directory .*no-such-dir does not exist\n$/);
  const html = run(['report', `${CORPUS}/attack/scan/ppa_synscan.pcapng`, '--html', join(missing, 'r.html')]);
  assert.equal(html.status, 2, html.stderr);
  assert.deepEqual(readdirSync(dir).filter((f) => f === 'no-such-dir'), []);
});

test('an output named by a directory is refused before the run, naming the flag (it failed after it with EISDIR, exit 1)', () => {
  const scan = `${CORPUS}/attack/scan/ppa_synscan.pcapng`;
  const cases: [string[], string][] = [
    [['analyze', scan, '--no-store', '-q', '--alerts', dir], '--alerts'],
    [['analyze', scan, '--no-store', '-q', '--flows', dir], '--flows'],
    [['analyze', scan, '--no-store', '-q', '--alert-log', dir], '--alert-log'],
    [['analyze', scan, '--no-store', '-q', '--export', 'csv', '-o', dir], '--out'],
    [['report', scan, '--html', dir], '--html'],
    [['train', `${CORPUS}/benign/ppa_http_espn.pcapng`, '--model', dir], '--model'],
  ];
  for (const [args, flag] of cases) {
    const r = run(args);
    assert.equal(r.status, 2, `${flag}: ${r.stderr}`);
    assert.equal(r.stderr, `netwatch: ${flag} ${dir}: is a directory; name a file\n`);
  }
});

test('an output is checked for what the user may write, as the run writes it: /dev/null yes; a new file or a model in a directory of root\'s, root\'s report no', (t) => {
  // As nobody (uid 65534), which can read the build and the corpus but write only where anyone may.
  const scan = `${CORPUS}/attack/scan/ppa_synscan.pcapng`;
  const nobody = ['--reuid=65534', '--regid=65534', '--clear-groups', '--'];
  const readable = spawnSync('setpriv', [...nobody, process.execPath, '-e', `require('fs').accessSync(${JSON.stringify(CLI)}, 4); require('fs').accessSync(${JSON.stringify(scan)}, 4)`]);
  if (readable.status !== 0) {
    t.skip('the checkout or the corpus is not readable by uid 65534 here (a parent directory closed to others)');
    return;
  }
  // The test's own directory (mkdtemp makes it 0700) opened to everyone to look into, not to write in.
  chmodSync(dir, 0o755);
  const closed = join(dir, 'root-only');
  mkdirSync(closed, { mode: 0o755 });
  const asNobody = (args: string[]) => spawnSync('setpriv', [...nobody, process.execPath, CLI, ...args],
    { encoding: 'utf8', timeout: 60_000, env: { ...process.env, HOME: '/tmp' } });
  const devNull = asNobody(['analyze', scan, '--no-store', '-q', '--summary', 'none', '--alerts', '/dev/null']);
  assert.equal(devNull.status, 0, devNull.stderr);
  const refused = asNobody(['analyze', scan, '--no-store', '-q', '--summary', 'none', '--alerts', join(closed, 'a.json')]);
  assert.equal(refused.status, 2, refused.stderr);
  assert.equal(refused.stderr, `netwatch: --alerts ${join(closed, 'a.json')}: cannot write in ${closed} (permission denied)\n`);
  // A model is replaced by a rename beside it: a file anyone may write, in a directory of root's, is refused.
  const model = join(closed, 'm.json');
  writeFileSync(model, '{}', { mode: 0o666 });
  chmodSync(model, 0o666);
  const train = asNobody(['train', `${CORPUS}/benign/ppa_http_espn.pcapng`, '--model', model]);
  assert.equal(train.status, 2, train.stderr);
  assert.equal(train.stderr, `netwatch: --model ${model}: cannot write in ${closed} (permission denied)\n`);
  // A report is written where it is: root's file in a directory anyone may write in is refused too.
  const open = join(dir, 'anyone');
  mkdirSync(open);
  chmodSync(open, 0o777);
  const html = join(open, 'r.html');
  writeFileSync(html, '', { mode: 0o644 });
  const report = asNobody(['report', scan, '--html', html]);
  assert.equal(report.status, 2, report.stderr);
  assert.equal(report.stderr, `netwatch: --html ${html}: cannot write it (permission denied)\n`);
});

test('an output never replaces an input, a device or a pipe; a symbolic link keeps pointing at the new file', { timeout: 60_000 }, () => {
  const input = join(dir, 'input.pcapng');
  writeFileSync(input, readFileSync(`${CORPUS}/attack/scan/ppa_synscan.pcapng`));
  const before = readFileSync(input);
  for (const args of [['analyze', input, '--no-store', '-q', '--alerts', input], ['analyze', input, '--no-store', '-q', '-o', input, '--export', 'csv'],
    ['train', input, '--model', input], ['report', input, '--html', input]]) {
    const r = run(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /that is the input file .*input\.pcapng; writing there would replace it\n$/);
  }
  assert.deepEqual(readFileSync(input), before);
  // The model and the config are inputs too.
  const model = join(dir, 'input-model.json');
  writeFileSync(model, '{"kept": true}');
  const m = run(['analyze', input, '--no-store', '-q', '--model', model, '--flows', model]);
  assert.equal(m.status, 2, m.stderr);
  assert.match(m.stderr, /^netwatch: --flows .*input-model\.json: that is the input file/);
  assert.equal(readFileSync(model, 'utf8'), '{"kept": true}');
  // /dev/stdout is standard output: with stdout sent to a file, the alerts are all the file holds (the
  // summary goes to stderr, as with --alerts -); it was opened and truncated behind the summary's back.
  const redirected = join(dir, 'stdout.txt');
  const fd = openSync(redirected, 'w');
  const viaDev = spawnSync(CLI, ['analyze', input, '--no-store', '--alerts', '/dev/stdout'], { stdio: ['ignore', fd, 'pipe'], encoding: 'utf8' });
  closeSync(fd);
  assert.equal(viaDev.status, 0, viaDev.stderr);
  assert.match(viaDev.stderr, /^Summary: /m);
  const lines = readFileSync(redirected, 'utf8').split('\n').filter(Boolean);
  assert.ok(lines.length >= 1 && lines.every((l) => (JSON.parse(l) as EveAlert).event_type === 'alert'), lines.join('\n'));
  // A FIFO nobody reads is an error at once, not a wait before the first packet.
  const lonely = join(dir, 'lonely.fifo');
  execFileSync('mkfifo', [lonely]);
  const noReader = spawnSync(CLI, ['analyze', input, '--no-store', '-q', '--alerts', lonely], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(noReader.status, 1, noReader.stderr);
  assert.match(noReader.stderr, /lonely\.fifo: cannot write: no process is reading this FIFO/);
  // /dev/null stays a device (renaming a finished file over it would replace it for the whole system).
  const devnull = run(['analyze', input, '--no-store', '-q', '--flows', '/dev/null']);
  assert.equal(devnull.status, 0, devnull.stderr);
  assert.ok(statSync('/dev/null').isCharacterDevice());
  // A FIFO gets the alerts and stays a FIFO.
  const fifo = join(dir, 'alerts.fifo');
  execFileSync('mkfifo', [fifo]);
  const reader = spawn('cat', [fifo]);
  let got = '';
  reader.stdout.on('data', (b: Buffer) => { got += b.toString(); });
  // Bounded: a FIFO whose reader has gone would otherwise hold the run (and this test) for good.
  const viaFifo = spawnSync(CLI, ['analyze', input, '--no-store', '-q', '--alerts', fifo], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(viaFifo.status, 0, viaFifo.stderr);
  assert.ok(lstatSync(fifo).isFIFO());
  return new Promise<void>((resolve) => reader.on('close', () => {
    assert.match(got, /"signature_id":9100101/);
    // A symbolic link (even one whose target does not exist yet) is followed: the link stays.
    const link = join(dir, 'alerts-link.json');
    symlinkSync('alerts-target.json', link);
    const viaLink = run(['analyze', input, '--no-store', '-q', '--alerts', link]);
    assert.equal(viaLink.status, 0, viaLink.stderr);
    assert.ok(lstatSync(link).isSymbolicLink());
    assert.match(readFileSync(join(dir, 'alerts-target.json'), 'utf8'), /"signature_id":9100101/);
    // A chain of links ending in a missing file: every link stays, the file appears at the end.
    mkdirSync(join(dir, 'c1'));
    mkdirSync(join(dir, 'c2'));
    symlinkSync('c1/middle.json', join(dir, 'chain.json'));
    symlinkSync('../c2/end.json', join(dir, 'c1', 'middle.json'));
    const viaChain = run(['analyze', input, '--no-store', '-q', '--alerts', join(dir, 'chain.json')]);
    assert.equal(viaChain.status, 0, viaChain.stderr);
    assert.ok(lstatSync(join(dir, 'c1', 'middle.json')).isSymbolicLink());
    assert.match(readFileSync(join(dir, 'c2', 'end.json'), 'utf8'), /"signature_id":9100101/);
    resolve();
  }));
});

test('help: the top level has examples; detect does not offer --no-detect, which it refuses', () => {
  assert.match(run(['--help']).stdout, /Examples:\n\s+sudo netwatch capture -i eth0 --count 50/);
  const detect = run(['detect', '--help']).stdout;
  assert.match(detect, /--model/);
  assert.doesNotMatch(detect, /--detect\b|--no-detect/);
});

test('a packet time beyond year 9999 is a warning, not a crash: the run, its database and its summary keep the real times', () => {
  const f = join(dir, 'far-future.pcapng');
  const frame = ipv4Tcp({ src: ip('10.77.0.1'), dst: ip('10.77.0.2'), sport: 1234, dport: 80, flags: 0x02 });
  writeFileSync(f, new PcapngBuilder().section().iface(1)
    .epb(0, 1700000000000000n, frame).epb(0, 0xffffffffffffffffn, frame).epb(0, 1700000060000000n, frame).build());
  const r = run(['analyze', f, '--db', join(dir, 'far.db'), '-q', '--summary', 'json']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /far-future\.pcapng: 1 packets had a time outside 1970-01-01\.\.9999-12-31 \(given the time of the packet before\)/);
  const summary = JSON.parse(r.stdout) as { packets: number; first: string; last: string };
  assert.deepEqual([summary.packets, summary.first, summary.last], [3, '2023-11-14T22:13:20.000000Z', '2023-11-14T22:14:20.000000Z']);
});

test('after "--" every argument is a file, even one whose name starts with "-"; a command without files says so', () => {
  const sub = join(dir, 'dash');
  mkdirSync(sub, { recursive: true });
  writeFileSync(join(sub, '-scan.pcapng'), readFileSync(`${CORPUS}/attack/scan/ppa_synscan.pcapng`));
  const r = spawnSync(CLI, ['analyze', '-q', '--no-store', '--summary', 'json', '--', '-scan.pcapng'], { encoding: 'utf8', cwd: sub });
  assert.equal(r.status, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as { packets: number }).packets, 2011);
  const none = spawnSync(CLI, ['alerts', '--', '-scan.pcapng'], { encoding: 'utf8', cwd: sub });
  assert.equal(none.status, 2);
  assert.equal(none.stderr, 'netwatch: alerts takes no file names (after --: -scan.pcapng)\n');
});

test('standard input ("-") and FIFOs are read once, in order: the same packets and alerts as the file; a pipe named twice is refused', () => {
  const file = `${CORPUS}/attack/scan/ppa_synscan.pcapng`;
  const bytes = readFileSync(file);
  const args = ['-q', '--no-store', '--summary', 'json', '--alerts', '-'];
  const fromFile = spawnSync(CLI, ['analyze', file, ...args.filter((a) => a !== '--summary' && a !== 'json'), '--summary', 'none'], { encoding: 'utf8' });
  const fromStdin = spawnSync(CLI, ['analyze', '-', '-q', '--no-store', '--summary', 'none', '--alerts', '-'], { encoding: 'utf8', input: bytes });
  assert.equal(fromStdin.status, 0, fromStdin.stderr);
  const strip = (out: string) => out.replace(/"pcap_filename":"[^"]*",/g, '');
  assert.ok(fromFile.stdout.length > 0);
  assert.equal(strip(fromStdin.stdout), strip(fromFile.stdout));
  // A FIFO, as <(zcat capture.pcap.gz) gives: the check of its header must not lose the bytes it read.
  const fifo = join(dir, 'capture.fifo');
  execFileSync('mkfifo', [fifo]);
  const writer = spawn('sh', ['-c', `cat "${file}" > "${fifo}"`], { stdio: 'ignore' });
  const fromFifo = spawnSync(CLI, ['analyze', fifo, '-q', '--no-store', '--summary', 'json'], { encoding: 'utf8', timeout: 30_000 });
  writer.kill();
  assert.equal(fromFifo.status, 0, fromFifo.stderr);
  assert.equal((JSON.parse(fromFifo.stdout) as { packets: number }).packets, 2011);
  const twice = spawnSync(CLI, ['analyze', '-', '-', '-q', '--no-store'], { encoding: 'utf8', input: bytes });
  assert.equal(twice.status, 2);
  assert.equal(twice.stderr, 'netwatch: /dev/stdin: named twice, but a pipe can be read only once\n');
});

test('Ctrl-C ends a run whose pipe or FIFO has gone quiet, keeping the packets read, without waiting for the writer', async () => {
  const file = `${CORPUS}/attack/scan/ppa_synscan.pcapng`;
  const writers: ChildProcess[] = [];
  // A FIFO whose writer sends the whole capture, then holds its end open for longer than the test waits.
  const quietFifo = (name: string): string => {
    const fifo = join(dir, name);
    execFileSync('mkfifo', [fifo]);
    writers.push(spawn('sh', ['-c', `cat "${file}"; sleep 60`], { stdio: ['ignore', openSync(fifo, 'r+'), 'ignore'] }));
    return fifo;
  };
  try {
    // Standard input as a shell pipe gives it (a FIFO is a pipe; Node's own 'pipe' would be a socket), and a FIFO by name.
    const runs: [string, number | 'pipe'][] = [['-', openSync(quietFifo('stdin.fifo'), 'r')], [quietFifo('named.fifo'), 'pipe']];
    for (const [input, stdin] of runs) {
      const child = spawn(CLI, ['analyze', input, '-q', '--no-store', '--summary', 'json'], { stdio: [stdin, 'pipe', 'pipe'] });
      let out = '';
      child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      await new Promise((r) => setTimeout(r, 3000));
      const signalled = Date.now();
      child.kill('SIGINT');
      const bound = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(bound);
      if (typeof stdin === 'number') closeSync(stdin);
      assert.equal(code, 0, `${input}: exit ${code}`);
      assert.ok(Date.now() - signalled < 5000, `${input}: took ${Date.now() - signalled} ms after Ctrl-C`);
      const s = JSON.parse(out) as { packets: number; stopReason?: string };
      assert.deepEqual([s.packets, s.stopReason], [2011, 'on signal (files not read to the end)'], input);
    }
  } finally {
    for (const w of writers) w.kill('SIGKILL');
  }
});

test('a terminal as the capture is refused at once (nothing piped in), and a short pipe says how many bytes it held', () => {
  // script(1) gives the command a pseudo-terminal as standard input, as an operator's shell does.
  const tty = spawnSync('script', ['-qec', `${CLI} analyze - -q --no-store; echo "exit=$?"`, '/dev/null'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(tty.stdout.replace(/\r/g, ''),
    'netwatch: standard input is a terminal, not a capture: pipe one in, e.g. tcpdump -w - | netwatch analyze -\nexit=2\n');
  const short = spawnSync(CLI, ['analyze', '-', '-q', '--no-store'], { encoding: 'utf8', input: 'ab\n' });
  assert.equal(short.status, 2);
  assert.equal(short.stderr, 'netwatch: /dev/stdin: not a capture file: 3 bytes, too short for a pcap or pcapng header\n');
});

test('a gzip-compressed capture is named as such, with the way to read it', () => {
  const gz = join(dir, 'scan.pcapng.gz');
  writeFileSync(gz, gzipSync(readFileSync(`${CORPUS}/attack/scan/ppa_synscan.pcapng`)));
  const r = run(['analyze', gz, '--no-store']);
  assert.equal(r.status, 2);
  assert.equal(r.stderr, `netwatch: ${gz}: gzip-compressed, not a pcap or pcapng file itself: decompress it first, e.g. zcat ${gz} | netwatch analyze -\n`);
});

test('"-" as the value of an option that needs a file name is still refused: it never means standard input there', () => {
  const precious = join(dir, 'precious.txt');
  writeFileSync(precious, 'keep me\n');
  const fd = openSync(precious, 'r');
  try {
    const r = spawnSync(CLI, ['report', `${CORPUS}/attack/scan/ppa_synscan.pcapng`, '--html', '-'], { encoding: 'utf8', stdio: [fd, 'pipe', 'pipe'] });
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr, 'netwatch: report: --html needs a file name\n');
  } finally {
    closeSync(fd);
  }
  assert.equal(readFileSync(precious, 'utf8'), 'keep me\n');
});
