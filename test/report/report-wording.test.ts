// What the HTML report says in words about a capture: its length, its empty tables, its times, and a
// capture with nothing in it.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, CORPUS } from '../support/corpus.js';

const dir = mkdtempSync(join(tmpdir(), 'nw-wording-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `netwatch report FILE --html`; returns the page and what was printed on standard error. */
function report(capture: string): { html: string; stderr: string } {
  const out = join(dir, `${capture.replace(/\W/g, '_')}.html`);
  const r = spawnSync(process.execPath, [CLI, 'report', join(CORPUS, capture), '--html', out], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  return { html: readFileSync(out, 'utf8'), stderr: r.stderr };
}

test('a capture shorter than a second gives its length in milliseconds, not "0 s"', { timeout: 60_000 }, () => {
  // CATALOG.md: 4,373 packets within 23 ms.
  const { html } = report('attack/dos/stopddos_amp.UDP.snmp.src161.pcapng');
  const sub = /<p class="sub">([^<]*)/.exec(html)?.[1] ?? '';
  assert.match(sub, /\(2[23] ms\)/);
  assert.doesNotMatch(sub, /\(0 s\)/);
});

test('incident times read as alert times do (2010-07-04 20:24:17Z), not as raw EVE timestamps', { timeout: 60_000 }, () => {
  const { html } = report('attack/bruteforce/zeek_ssh_sshguess.pcap');
  const times = (section: string, cols: number[]): string[] => {
    const part = html.slice(html.indexOf(`<section id="${section}">`), html.indexOf('</section>', html.indexOf(`<section id="${section}">`)));
    const rows = [...part.matchAll(/<tr>(.*?)<\/tr>/gs)].map((m) => [...m[1].matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((c) => c[1])).filter((r) => r.length > 0);
    return rows.flatMap((r) => cols.map((c) => r[c]));
  };
  const incidentTimes = times('incidents', [0, 1]);
  const alertTimes = times('alerts', [0]);
  assert.ok(incidentTimes.length >= 2 && alertTimes.length >= 1, `${incidentTimes.join(' | ')} / ${alertTimes.join(' | ')}`);
  for (const t of [...incidentTimes, ...alertTimes]) assert.match(t, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
});

test('alerts that name no host to score do not read as "No host raised an alert"', { timeout: 60_000 }, () => {
  // CATALOG.md: a SYN flood from 100 random sources to 100 random destinations; ICMPv6 echo from and to ff02::1.
  for (const capture of ['attack/dos/ppa1e_dosattack.pcap', 'attack/dos/sv_thc_rsmurf6.pcap']) {
    const { html } = report(capture);
    const hosts = html.slice(html.indexOf('<section id="hosts">'), html.indexOf('</section>', html.indexOf('<section id="hosts">')));
    assert.match(html, /<td[^>]*>high<\/td>/, `${capture}: no high-severity alert`);
    assert.doesNotMatch(hosts, /No host raised an alert/, capture);
    assert.match(hosts, /No host to score: the alert names no address that is an attacker or a victim/, capture);
  }
});

test('a capture file with no packets is warned about as such, not as "nothing to report in this range"', { timeout: 60_000 }, () => {
  // A pcap of a file header alone (CATALOG.md: edge/zeek_empty.pcap, 24 bytes).
  const { stderr } = report('edge/zeek_empty.pcap');
  assert.match(stderr, /zeek_empty\.pcap: the file holds no packets\n/);
  assert.doesNotMatch(stderr, /in this range/);
});
