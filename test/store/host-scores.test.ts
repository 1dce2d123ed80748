// The threat score per host on captures with a known attacker: the attacker ranks first, its victim
// after it, an intel listing raises the score with the reason named, the weights come from the config,
// and every computation is stored (hosts --history).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, CORPUS } from '../support/corpus.js';
import { ip, ipv4Icmp, pcapFile, type PcapPacket } from '../support/frame-builder.js';

const dir = mkdtempSync(join(tmpdir(), 'nw-hosts-'));

interface Ranked { host: string; score: number; role: string; alerts: number; reasons: string[]; as_of: string }
const hosts = (db: string, extra: string[] = []): Ranked[] => {
  const r = spawnSync(CLI, ['hosts', '--db', db, '--format', 'json', ...extra], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Ranked);
};

test('FTP dictionary attack: the attacker ranks first as attacker, the server after it as victim', () => {
  const db = join(dir, 'ftp.db');
  assert.equal(spawnSync(CLI, ['analyze', join(CORPUS, 'attack/bruteforce/ppa1e_ftp-crack.pcap'), '--db', db, '-q', '--summary', 'none']).status, 0);
  const r = hosts(db);
  assert.deepEqual(r.map((h) => [h.host, h.role]), [['10.234.125.254', 'attacker'], ['10.121.70.151', 'victim']]);
  assert.ok(r[0].score > r[1].score && r[0].score > 0 && r[0].score <= 100);
  assert.match(r[0].reasons[0], /^brute_force x\d+ as attacker \(\+[\d.]+\)$/);
  assert.equal(r[0].as_of.slice(0, 10), '2002-06-18');
  // Weights from the config: victims weigh nothing, so the server scores 0.
  const cfg = join(dir, 'weights.json');
  writeFileSync(cfg, JSON.stringify({ detection: { threatScore: { victim: 0 } } }));
  const w = hosts(db, ['--config', cfg, '--no-store']);
  assert.equal(w.find((h) => h.host === '10.121.70.151')?.score, 0);
  assert.equal(w[0].score, r[0].score);
});

test('alerts older than the look-back are named in a note, not silently left out', () => {
  // The FTP cracker of 2002 and the SYN flood of 2021 in one database: only the flood's week is scored.
  const db = join(dir, 'two-dates.db');
  for (const f of ['attack/bruteforce/ppa1e_ftp-crack.pcap', 'attack/dos/stopddos_pkt.TCP.synflood.spoofed.pcap']) {
    assert.equal(spawnSync(CLI, ['analyze', join(CORPUS, f), '--db', db, '-q', '--summary', 'none']).status, 0);
  }
  const r = spawnSync(CLI, ['hosts', '--db', db, '--no-store'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /10\.234\.125\.254/);
  assert.match(r.stderr, /^netwatch: note: (1 alert is|\d+ alerts are) older than the 7-day look-back \(before 2021-04-2\d+T[\d:.]+Z, counted from the newest alert\) and not scored; --since 2000-01-01 --no-decay weighs them all$/m);
  const all = spawnSync(CLI, ['hosts', '--db', db, '--no-store', '--since', '2000-01-01', '--no-decay'], { encoding: 'utf8' });
  assert.match(all.stdout, /10\.234\.125\.254/);
  assert.doesNotMatch(all.stderr, /look-back/);
});

test('a ping sweep scores its prober as attacker and none of the addresses it probed as a victim', () => {
  // 10.77.0.9 pings 60 addresses of its /24, of which only .1 answers.
  const frames: PcapPacket[] = [];
  for (let h = 1; h <= 60; h++) {
    frames.push({ sec: 1_700_000_000, frac: h * 1000, data: ipv4Icmp(ip('10.77.0.9'), ip(`10.77.0.${100 + h}`), 8, 0) });
  }
  frames.push({ sec: 1_700_000_000, frac: 90_000, data: ipv4Icmp(ip('10.77.0.101'), ip('10.77.0.9'), 0, 0) });
  const file = join(dir, 'sweep.pcap');
  writeFileSync(file, pcapFile(frames));
  const db = join(dir, 'sweep.db');
  const a = spawnSync(CLI, ['analyze', file, '--db', db, '-q', '--summary', 'none', '--alerts', '-'], { encoding: 'utf8' });
  assert.equal(a.status, 0, a.stderr);
  assert.match(a.stdout, /"detector":"host_sweep"/);
  assert.deepEqual(hosts(db, ['--since', '2000-01-01', '--no-store']).map((h) => [h.host, h.role]), [['10.77.0.9', 'attacker']]);
});

test('an intel listing adds to the score with its reason, and every computation is kept over time', () => {
  const db = join(dir, 'scan.db');
  writeFileSync(join(dir, 'list.txt'), '172.16.0.8\n');
  const cfg = join(dir, 'intel.json');
  writeFileSync(cfg, JSON.stringify({ intel: { feeds: [{ path: 'list.txt', format: 'plain', name: 'local' }] } }));
  const plainDb = join(dir, 'scan-plain.db');
  assert.equal(spawnSync(CLI, ['analyze', join(CORPUS, 'attack/scan/ppa_synscan.pcapng'), '--db', plainDb, '-q', '--summary', 'none']).status, 0);
  assert.equal(spawnSync(CLI, ['analyze', join(CORPUS, 'attack/scan/ppa_synscan.pcapng'), '--db', db, '--config', cfg, '-q', '--summary', 'none']).status, 0);
  const plain = hosts(plainDb)[0];
  const listed = hosts(db)[0];
  assert.equal(plain.host, '172.16.0.8');
  assert.equal(listed.host, '172.16.0.8');
  assert.ok(listed.score > plain.score, `${listed.score} vs ${plain.score}`);
  assert.ok(listed.reasons.some((r) => /^listed by local \(172\.16\.0\.8\)/.test(r)), listed.reasons.join('; '));
  const h = spawnSync(CLI, ['hosts', '--db', db, '--history', '172.16.0.8', '--format', 'json'], { encoding: 'utf8' });
  assert.equal(h.status, 0, h.stderr);
  const rows = h.stdout.trim().split('\n').map((l) => JSON.parse(l) as { score: number; role: string });
  assert.deepEqual(rows.map((x) => [x.score, x.role]), [[listed.score, 'attacker']]);
});

test('floods from many sources, reflectors and ARP-claimed addresses do not score as attackers; the ARP spoofer does', () => {
  const db = join(dir, 'floods.db');
  for (const f of ['attack/dos/stopddos_pkt.TCP.synflood.spoofed.pcap', 'attack/dos/stopddos_amp.UDP.snmp.src161.pcapng', 'attack/arp-spoof/ppa_arppoison.pcapng',
    'attack/dos/sv_thc_rsmurf6.pcap']) {
    assert.equal(spawnSync(CLI, ['analyze', join(CORPUS, f), '--db', db, '-q', '--summary', 'none']).status, 0, f);
  }
  const r = hosts(db, ['--since', '2000-01-01', '--no-store']);
  const byHost = new Map(r.map((h) => [h.host, h]));
  // The spoofed sources, the SNMP reflectors and rsmurf6's multicast source ff02::1 are in the alerts as src_ip, but none is ranked; the one
  // attacker is the ARP spoofer, by the address its own claims showed (CATALOG.md: 172.16.0.105).
  assert.deepEqual(r.filter((h) => h.role === 'attacker').map((h) => h.host), ['172.16.0.105']);
  assert.equal(byHost.get('10.10.10.10')?.role, 'victim');
  // The gateway whose address the spoofer claimed (an ARP alert's src_ip) is a victim, not the attacker.
  assert.equal(byHost.get('172.16.0.1')?.role, 'victim');
});

test('a model alert on what a host received scores it as a victim, not an attacker', () => {
  const model = join(dir, 'model.json');
  const benign = readdirSync(join(CORPUS, 'benign')).map((f) => join(CORPUS, 'benign', f));
  const t = spawnSync(CLI, ['train', ...benign, '--model', model, '--contamination', '0.02']);
  assert.equal(t.status, 0, String(t.stderr));
  const db = join(dir, 'model.db');
  const d = spawnSync(CLI, ['detect', join(CORPUS, 'attack/dos/stopddos_pkt.TCP.DOMINATE.syn.ecn.cwr.pcapng'), '--model', model, '--db', db, '-q', '--summary', 'none']);
  assert.equal(d.status, 0, String(d.stderr));
  const r = hosts(db, ['--since', '2000-01-01', '--no-store']);
  const victim = r.find((h) => h.host === '10.10.10.10');
  assert.equal(victim?.role, 'victim', JSON.stringify(r));
  assert.ok(victim.reasons.some((x) => /^anomaly x\d+ as victim/.test(x)), victim.reasons.join('; '));
});

test('a host only ever a victim stays a victim when its weight has decayed to nothing', () => {
  const db = join(dir, 'decayed.db');
  // 2002 then 2018: the 2002 alerts weigh 0.5^(16 years / 24 h), zero in floating point.
  for (const f of ['attack/bruteforce/ppa1e_ftp-crack.pcap', 'attack/dos/sv_thc_denial6-5.pcap']) {
    assert.equal(spawnSync(CLI, ['analyze', join(CORPUS, f), '--db', db, '-q', '--summary', 'none']).status, 0, f);
  }
  const r = hosts(db, ['--since', '2000-01-01', '--no-store']);
  const server = r.find((h) => h.host === '10.121.70.151');
  const client = r.find((h) => h.host === '10.234.125.254');
  assert.equal(server?.score, 0);
  assert.equal(server?.role, 'victim');
  assert.equal(client?.role, 'attacker');
  // The table says why, and --no-decay weighs the 2002 alerts in full: the FTP guesser ranks first again.
  const note = spawnSync(CLI, ['hosts', '--db', db, '--since', '2000-01-01', '--no-store'], { encoding: 'utf8' });
  assert.match(note.stderr, /score 0\.0: their alerts are days older than the newest .* --no-decay weighs every alert in full/);
  const full = hosts(db, ['--since', '2000-01-01', '--no-decay']);
  assert.equal(full[0].host, '10.234.125.254');
  assert.ok(full[0].score > 40, String(full[0].score));
  assert.equal(full.find((h) => h.host === '10.121.70.151')?.role, 'victim');
  // Printed, not stored: the history holds only decayed computations.
  assert.deepEqual(hosts(db, ['--history', '10.234.125.254']), []);
});

test('a database that is not there is refused, not created', () => {
  const missing = join(dir, 'typo.db');
  const r = spawnSync(CLI, ['hosts', '--db', missing], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /typo\.db: cannot open the database: no such database/);
  assert.equal(existsSync(missing), false);
});
