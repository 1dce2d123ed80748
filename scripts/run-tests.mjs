#!/usr/bin/env node
// Runs every compiled test file with Node's test runner. The live tests create network namespaces and
// capture packets, so the suite needs root: when not root it re-runs itself under sudo.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

if (process.getuid && process.getuid() !== 0) {
  process.stderr.write('tests create network namespaces and capture packets: re-running under sudo\n');
  const r = spawnSync('sudo', ['-E', process.execPath, ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

function find(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...find(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

// Runs that do not name --db write to $NETWATCH_DB: keep the suite's out of the user's own database.
process.env.NETWATCH_DB ??= join(mkdtempSync(join(tmpdir(), 'nw-tests-')), 'netwatch.db');

const only = process.argv.slice(2);
const files = find('dist/test').filter((f) => only.length === 0 || only.some((o) => f.includes(o))).sort();
if (files.length === 0) {
  process.stderr.write('no test files found under dist/test (run npm run build)\n');
  process.exit(1);
}
// One file at a time: live tests measure traffic and must not compete with each other for two cores.
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=spec', ...files], { stdio: 'inherit', env: process.env });
process.exit(r.status ?? 1);
