// Online reputation lookups against a local HTTP server on loopback that the test starts: only alerted
// public addresses are asked, with the key; answers are cached in SQLite within the TTL; the rate limit
// and the timeout hold.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import { ReputationLookup } from '../../src/intel/reputation-lookup.js';
import { openDatabase } from '../../src/store/netwatch-db.js';
import { CLI, CORPUS } from '../support/corpus.js';
import { waitForExit } from '../support/netns.js';

const dir = mkdtempSync(join(tmpdir(), 'nw-rep-'));
const requests: { ip: string; key: string | undefined }[] = [];
let server: Server;
let base = '';

before(async () => {
  server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const ip = u.searchParams.get('ipAddress') ?? '';
    requests.push({ ip, key: req.headers.key as string | undefined });
    const reply = () => { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify({ data: { ipAddress: ip, abuseConfidenceScore: 87 } })); };
    if (u.pathname === '/slow') setTimeout(reply, 1500); else reply();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => { server.close(); });

async function analyze(db: string, cfg: string): Promise<string> {
  const child = spawn(CLI, ['analyze', join(CORPUS, 'attack/scan/ppa_synscan.pcapng'), '--db', db, '--config', cfg, '-q'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const r = await waitForExit(child, 60_000);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

test('alerted public addresses are looked up once with the key, cached in the database within the TTL', { timeout: 120_000 }, async () => {
  const db = join(dir, 'rep.db');
  const cfg = join(dir, 'rep.json');
  writeFileSync(cfg, JSON.stringify({ reputation: { url: `${base}/check?ipAddress={ip}`, key: 'test-key', requestsPerMinute: 60 } }));
  const out = await analyze(db, cfg);
  // The scanner 172.16.0.8 is private and never leaves the machine; its target is public.
  assert.deepEqual(requests, [{ ip: '64.13.134.52', key: 'test-key' }]);
  assert.match(out, /Reputation lookups: 1 fetched, 0 cached, 0 failed, [1-9]\d* private addresses skipped/);
  const conn = new Database(db, { readonly: true });
  const row = conn.prepare('SELECT address, status, score FROM reputation').all();
  conn.close();
  assert.deepEqual(row, [{ address: '64.13.134.52', status: 200, score: 87 }]);
  const again = await analyze(db, cfg);
  assert.equal(requests.length, 1, 'a cached answer is not fetched again');
  assert.match(again, /Reputation lookups: 0 fetched, [1-9]\d* cached/);
});

test('the rate limit holds the rest in the queue; a slow API times out and nothing is cached', async () => {
  const db = openDatabase(join(dir, 'unit.db'), false);
  const n0 = requests.length;
  const limited = new ReputationLookup({ url: `${base}/check?ipAddress={ip}`, keyHeader: 'Key', key: null, scorePath: 'data.abuseConfidenceScore',
    ttlHours: 1, requestsPerMinute: 2, timeoutMs: 2000, maxQueue: 3 }, db);
  for (const ip of ['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4', '10.1.2.3']) limited.enqueue(ip);
  assert.equal(limited.stats.dropped, 1);
  assert.equal(limited.stats.skippedPrivate, 1);
  assert.equal(await limited.pump(), 2);
  assert.equal(limited.pending, 1);
  assert.equal(limited.stats.rateLimited, 1);
  assert.equal(requests.length - n0, 2);
  const slow = new ReputationLookup({ url: `${base}/slow?ipAddress={ip}`, keyHeader: 'Key', key: null, scorePath: 'data.abuseConfidenceScore',
    ttlHours: 1, requestsPerMinute: 10, timeoutMs: 200, maxQueue: 10 }, db);
  slow.enqueue('203.0.113.9');
  const t0 = Date.now();
  await slow.pump();
  assert.ok(Date.now() - t0 < 1000, `${Date.now() - t0} ms`);
  assert.equal(slow.stats.errors, 1);
  assert.equal((db.prepare("SELECT count(*) AS n FROM reputation WHERE address = '203.0.113.9'").get() as { n: number }).n, 0);
  db.close();
});

test('a bad reputation section is refused before the run is recorded (it once stayed "running")', () => {
  const db = join(dir, 'bad-rep.db');
  const cfg = join(dir, 'bad-rep.json');
  writeFileSync(cfg, JSON.stringify({ reputation: { url: 'ftp://x' } }));
  const ok = spawnSync(CLI, ['analyze', join(CORPUS, 'attack/scan/ppa_synscan.pcapng'), '--db', db, '-q', '--summary', 'none']);
  assert.equal(ok.status, 0);
  const bad = spawnSync(CLI, ['analyze', join(CORPUS, 'attack/scan/ppa_synscan.pcapng'), '--db', db, '--config', cfg, '-q'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /reputation\.url: must be an http\(s\) URL/);
  const conn = new Database(db, { readonly: true });
  const runs = conn.prepare('SELECT status FROM capture_runs').all() as { status: string }[];
  conn.close();
  assert.deepEqual(runs.map((r) => r.status), ['completed']);
});
