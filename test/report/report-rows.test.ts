// --max-rows caps the report's alert and incident tables, and each table that is cut says so above it
// (the incidents table was cut without a word, so two of five incidents looked like all of them).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CLI, CORPUS } from '../support/corpus.js';

const dir = mkdtempSync(join(tmpdir(), 'nw-rows-'));
const db = join(dir, 'multi.db');
let incidents = 0;
let alerts = 0;

before(() => {
  // A SYN scan, SSH guessing, an ISAKMP reflection flood and ARP poisoning (CATALOG.md): several incidents.
  for (const f of ['attack/scan/ppa_synscan.pcapng', 'attack/bruteforce/zeek_ssh_sshguess.pcap', 'attack/dos/stopddos_amp.UDP.isakmp.pcap',
    'attack/arp-spoof/ppa_arppoison.pcapng']) {
    const r = spawnSync(process.execPath, [CLI, 'analyze', join(CORPUS, f), '--db', db, '-q', '--summary', 'none'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
  }
  const d = new Database(db, { readonly: true });
  incidents = (d.prepare('SELECT count(*) AS n FROM incidents').get() as { n: number }).n;
  alerts = (d.prepare('SELECT count(*) AS n FROM alerts').get() as { n: number }).n;
  d.close();
});

after(() => rmSync(dir, { recursive: true, force: true }));

/** The report's HTML with at most maxRows alerts and incidents listed. */
function report(maxRows: number): string {
  const out = join(dir, `r${maxRows}.html`);
  const r = spawnSync(process.execPath, [CLI, 'report', '--db', db, '--max-rows', String(maxRows), '--html', out], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  return readFileSync(out, 'utf8');
}

/** The HTML of one section of the page, from its opening tag to its end. */
function section(html: string, id: string): string {
  const start = html.indexOf(`<section id="${id}">`);
  assert.ok(start >= 0, `no section ${id}`);
  return html.slice(start, html.indexOf('</section>', start));
}

const rows = (part: string): number => (part.match(/<tr[ >]/g) ?? []).length - 1;

test('a cut incidents table says how many of how many it lists, as the alerts table does', { timeout: 120_000 }, () => {
  assert.ok(incidents >= 3 && alerts >= 3, `${incidents} incidents, ${alerts} alerts`);
  const html = report(2);
  const inc = section(html, 'incidents');
  assert.equal(rows(inc), 2);
  assert.match(inc, new RegExp(`<p class="note">The 2 most recently seen of ${incidents} incidents are listed\\.</p>`));
  assert.match(section(html, 'alerts'), new RegExp(`<p class="note">The 2 newest of ${alerts} alerts are listed\\.</p>`));
});

test('a table listed whole has no such note', { timeout: 120_000 }, () => {
  const html = report(5000);
  const inc = section(html, 'incidents');
  assert.equal(rows(inc), incidents);
  assert.doesNotMatch(inc, /are listed/);
  assert.doesNotMatch(section(html, 'alerts'), /are listed/);
});
