// A database named on the command line that is not a database (a text file, a capture, a directory) is a
// usage error, exit status 2, in one line, as a missing one is; so is a --state whose directory is not there.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CLI, CORPUS } from '../support/corpus.js';

const dir = mkdtempSync(join(tmpdir(), 'nw-dbpath-'));
const TEXT = join(dir, 'notes.txt');
const SCAN = join(CORPUS, 'attack/scan/ppa_synscan.pcapng');
const FOLDER = join(dir, 'folder');
writeFileSync(TEXT, 'root:x:0:0:root:/root:/bin/bash\n'.repeat(200));
mkdirSync(FOLDER);

after(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 30_000, cwd: dir, env: { ...process.env, NETWATCH_DB: join(dir, 'default.db') } });
  return { status: r.status, stderr: r.stderr };
}

function usageError(args: string[], message: RegExp): void {
  const r = run(args);
  assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
  assert.match(r.stderr, message, args.join(' '));
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
}

test('a file that is not a SQLite database: exit 2 with SQLite\'s words, for every command that reads or writes one', () => {
  const notDb = (p: string): RegExp => new RegExp(`^netwatch: ${p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: file is not a database$`, 'm');
  for (const cmd of ['alerts', 'incidents', 'stats', 'hosts']) usageError([cmd, '--db', TEXT], notDb(TEXT));
  usageError(['report', '--db', TEXT, '--html', join(dir, 'r.html')], notDb(TEXT));
  assert.equal(existsSync(join(dir, 'r.html')), false);
  usageError(['serve', '--db', SCAN, '--listen', '127.0.0.1:0'], notDb(SCAN));
  // Written to: still refused, and the file is left as it was.
  const before = readFileSync(TEXT);
  usageError(['analyze', SCAN, '-q', '--summary', 'none', '--db', TEXT], notDb(TEXT));
  assert.deepEqual(readFileSync(TEXT), before);
});

test('a directory as the database: exit 2, "is a directory" rather than a disk I/O error', () => {
  const msg = new RegExp(`^netwatch: ${FOLDER}: cannot open the database: is a directory$`, 'm');
  for (const cmd of ['alerts', 'stats']) usageError([cmd, '--db', FOLDER], msg);
  usageError(['serve', '--db', FOLDER, '--listen', '127.0.0.1:0'], msg);
  usageError(['analyze', SCAN, '-q', '--summary', 'none', '--db', FOLDER], msg);
});

test('serve --state: a directory that is not there, a directory, or a file that is not a database is exit 2', () => {
  const db = join(dir, 'scan.db');
  const a = run(['analyze', SCAN, '-q', '--summary', 'none', '--db', db]);
  assert.equal(a.status, 0, a.stderr);
  usageError(['serve', '--db', db, '--listen', '127.0.0.1:0', '--state', join(dir, 'nope', 'sub', 's.db')],
    /^netwatch: .*nope\/sub\/s\.db: cannot open the dashboard state database: no such directory .*nope\/sub \(choose another with --state\)$/m);
  usageError(['serve', '--db', db, '--listen', '127.0.0.1:0', '--state', FOLDER],
    /^netwatch: .*folder: cannot open the dashboard state database: is a directory \(choose another with --state\)$/m);
  usageError(['serve', '--db', db, '--listen', '127.0.0.1:0', '--state', TEXT], /^netwatch: .*notes\.txt: file is not a database \(choose another with --state\)$/m);
  assert.equal(existsSync(join(dir, 'nope')), false);
  // A state database written by a newer netwatch: the --state named is the wrong one.
  const newer = join(dir, 'newer-state.db');
  const st = new Database(newer);
  st.pragma('user_version = 99');
  st.close();
  usageError(['serve', '--db', db, '--listen', '127.0.0.1:0', '--state', newer], /^netwatch: .*newer-state\.db: dashboard state schema 99 is newer than this netwatch understands/m);
});

test('the daemon pointed at a database of a newer netwatch stops with exit 2, which its systemd unit does not restart', () => {
  const newer = join(dir, 'newer.db');
  const d = new Database(newer);
  d.pragma('user_version = 99');
  d.close();
  const r = spawnSync(process.execPath, [CLI, 'daemon', '-i', 'lo'], { encoding: 'utf8', timeout: 30_000, cwd: dir, env: { ...process.env, NETWATCH_DB: newer } });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /newer\.db: database schema version 99 is newer than this netwatch understands/);
  assert.match(readFileSync(new URL('../../../systemd/netwatch.service', import.meta.url), 'utf8'), /^RestartPreventExitStatus=2$/m);
});
