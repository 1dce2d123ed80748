// nmap XML that is not there, not XML or not nmap's: one line naming the file and what is wrong, exit 2.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseNmapXml } from '../../src/intel/nmap-xml.js';
import { CLI } from '../support/corpus.js';

const dir = mkdtempSync(join(tmpdir(), 'nw-nmap-xml-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('text that is not XML is named as such, with its line and column first', () => {
  assert.throws(() => parseNmapXml('# notes\n'),
    { message: "not nmap XML output (not well-formed XML at line 1, column 1: char '#' is not expected; make it with nmap -oX FILE)" });
  assert.throws(() => parseNmapXml('<nmaprun>\n<host></nmaprun>'), /^Error: not nmap XML output \(not well-formed XML at line 2, column 7: Expected closing tag 'host'/);
  assert.throws(() => parseNmapXml('<?xml version="1.0"?><report/>'), { message: 'not nmap XML output (no <nmaprun> element; make it with nmap -oX FILE)' });
});

test('assets import: a missing file or a file that is not nmap XML is a usage error on one line', () => {
  const env = { ...process.env, NETWATCH_DB: join(dir, 'assets.db') };
  const missing = spawnSync(CLI, ['assets', 'import', join(dir, 'nope.xml')], { encoding: 'utf8', env });
  assert.equal(missing.status, 2);
  assert.equal(missing.stderr, `netwatch: ${join(dir, 'nope.xml')}: cannot open: no such file\n`);
  writeFileSync(join(dir, 'notes.xml'), '# not a scan\n');
  const notes = spawnSync(CLI, ['assets', 'import', join(dir, 'notes.xml')], { encoding: 'utf8', env });
  assert.equal(notes.status, 2);
  assert.equal(notes.stderr, `netwatch: ${join(dir, 'notes.xml')}: not nmap XML output (not well-formed XML at line 1, column 1: ` +
    "char '#' is not expected; make it with nmap -oX FILE)\n");
});
