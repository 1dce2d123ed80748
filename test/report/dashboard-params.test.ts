// The dashboard API's query parameters with no browser: a value that names a property every JavaScript
// object has (constructor, toString, __proto__, hasOwnProperty) is not a sort or a range, and is refused
// with a 400 naming the parameter, like any other unknown value; muted takes only the documented 1.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CLI, CORPUS } from '../support/corpus.js';
import { startServe, stopServe, type Serve } from '../support/dashboard.js';

const dir = mkdtempSync(join(tmpdir(), 'nw-dashparams-'));
const db = join(dir, 'scan.db');
let s: Serve | undefined;
let incidentId = 0;

before(async () => {
  const r = spawnSync(process.execPath, [CLI, 'analyze', join(CORPUS, 'attack/scan/ppa_synscan.pcapng'), '--db', db, '-q', '--summary', 'none'],
    { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const d = new Database(db, { readonly: true });
  incidentId = (d.prepare('SELECT min(id) AS id FROM incidents').get() as { id: number }).id;
  d.close();
  s = await startServe(['--db', db, '--listen', '127.0.0.1:0']);
});

after(async () => {
  await stopServe(s);
  rmSync(dir, { recursive: true, force: true });
});

async function get(path: string): Promise<{ status: number; error: string }> {
  const r = await fetch(`${(s as Serve).url}${path}`);
  const body = (await r.json()) as { error?: string };
  return { status: r.status, error: body.error ?? '' };
}

const OBJECT_NAMES = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'];

test('sort values named like Object.prototype properties are a 400 naming sort, not a 500', { timeout: 60_000 }, async () => {
  assert.ok(incidentId > 0, 'the scan made an incident');
  for (const name of OBJECT_NAMES) {
    for (const path of [`api/alerts?range=all&sort=${name}`, `api/incidents?range=all&sort=${name}`, `api/alerts?incident=${incidentId}&sort=${name}`]) {
      const r = await get(path);
      assert.equal(r.status, 400, `${path}: ${r.error}`);
      assert.match(r.error, new RegExp(`^sort=${name}: one of `), path);
    }
  }
  // The listed sorts still answer.
  assert.equal((await get('api/alerts?range=all&sort=score')).status, 200);
  assert.equal((await get('api/incidents?range=all&sort=count')).status, 200);
});

test('range values named like Object.prototype properties are a 400 naming range, not an empty 200', { timeout: 60_000 }, async () => {
  for (const name of OBJECT_NAMES) {
    for (const path of [`api/alerts?range=${name}`, `api/incidents?range=${name}`, `api/overview?range=${name}`, `api/host?ip=10.0.0.1&range=${name}`]) {
      const r = await get(path);
      assert.equal(r.status, 400, `${path}: ${r.error}`);
      assert.match(r.error, new RegExp(`^range=${name}: one of 15m, `), path);
    }
  }
  assert.equal((await get('api/overview?range=all')).status, 200);
});

test('muted is 1 or left out: muted=yes is a 400 rather than the muted incidents hidden without a word', { timeout: 60_000 }, async () => {
  for (const path of ['api/alerts?range=all&muted=yes', 'api/incidents?range=all&muted=true', `api/alerts?incident=${incidentId}&muted=0`]) {
    const r = await get(path);
    assert.equal(r.status, 400, `${path}: ${r.error}`);
    assert.match(r.error, /^muted=\w+: must be 1 /, path);
  }
  for (const path of ['api/alerts?range=all&muted=1', 'api/incidents?range=all&muted=1', 'api/incidents?range=all&muted=']) {
    assert.equal((await get(path)).status, 200, path);
  }
});

test('a range given by since is labelled custom, not the 24h it replaced', { timeout: 60_000 }, async () => {
  const base = (s as Serve).url;
  for (const path of ['api/alerts?since=2000-01-01', 'api/overview?since=2000-01-01', 'api/incidents?since=2000-01-01']) {
    const body = await (await fetch(`${base}${path}`)).json() as { range: { range: string; since: number } };
    assert.deepEqual([body.range.range, body.range.since], ['custom', 946684800], path);
  }
  // A range alone, or ending at until, keeps its name.
  const named = await (await fetch(`${base}api/alerts?range=7d&until=2030-01-01`)).json() as { range: { range: string } };
  assert.equal(named.range.range, '7d');
});
