// The dashboard's overview leaves out a muted incident and its alerts, as the Alerts page does by default:
// the totals, the counts by severity and detector, the alerts chart and the latest alerts all agree with
// the database less the muted incident's alerts, and the Alerts card says how many incidents are muted.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Browser } from 'playwright-core';
import { CLI, CORPUS } from '../support/corpus.js';
import { collectErrors, launchBrowser } from '../support/browser.js';
import { startServe, stopServe, type Serve } from '../support/dashboard.js';

const dir = mkdtempSync(join(tmpdir(), 'nw-dash-muted-'));
const db = join(dir, 'muted.db');
// CATALOG.md: a SYN scan (port_scan, from 172.16.0.8) and SSH password guessing (brute_force).
const FILES = [join(CORPUS, 'attack/scan/ppa_synscan.pcapng'), join(CORPUS, 'attack/bruteforce/zeek_ssh_sshguess.pcap')];
let browser: Browser | undefined;
let s: Serve | undefined;

interface Overview {
  alerts: { total: number; bySeverity: { high: number; medium: number; low: number }; byDetector: { detector: string; count: number }[] };
  incidents: number;
  mutedCount: number;
  latest: { detector: string; run_id: number; incident_id: number | null }[];
  charts: { alerts: { series: { data: [number, number][] }[] } };
}

before(() => {
  for (const f of FILES) {
    const r = spawnSync(process.execPath, [CLI, 'analyze', f, '--db', db, '-q', '--summary', 'none'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
  }
});

after(async () => {
  await s?.stop().catch(() => undefined);
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a muted incident\'s alerts leave the overview\'s counts, chart and latest alerts; the Alerts card says it is muted', { timeout: 90_000 }, async () => {
  const d = new Database(db, { readonly: true });
  const scan = d.prepare("SELECT id, run_id, run_incident FROM incidents WHERE detector = 'port_scan'").get() as { id: number; run_id: number; run_incident: number };
  const keep = "NOT (run_id = @run AND incident_id = @n) OR incident_id IS NULL";
  const p = { run: scan.run_id, n: scan.run_incident };
  const total = (d.prepare(`SELECT count(*) AS n FROM alerts WHERE ${keep}`).get(p) as { n: number }).n;
  const mutedAlerts = (d.prepare('SELECT count(*) AS n FROM alerts WHERE run_id = @run AND incident_id = @n').get(p) as { n: number }).n;
  const bySev = d.prepare(`SELECT severity, count(*) AS n FROM alerts WHERE ${keep} GROUP BY severity`).all(p) as { severity: number; n: number }[];
  const byDet = d.prepare(`SELECT detector, count(*) AS n FROM alerts WHERE ${keep} GROUP BY detector ORDER BY detector`).all(p) as { detector: string; n: number }[];
  const incidents = (d.prepare('SELECT count(*) AS n FROM incidents').get() as { n: number }).n;
  d.close();
  assert.ok(mutedAlerts > 0 && total > 0, `${mutedAlerts} alerts in the scan incident, ${total} others`);

  s = await startServe(['--listen', '127.0.0.1:0', '--db', db]);
  const overview = async (): Promise<Overview> => (await fetch(`${s?.url}api/overview?range=all`)).json() as Promise<Overview>;
  const beforeMute = await overview();
  assert.equal(beforeMute.alerts.total, total + mutedAlerts);
  assert.equal(beforeMute.mutedCount, 0);

  const r = await fetch(`${s.url}api/incidents/${scan.id}/state`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"state":"mute"}' });
  assert.equal(r.status, 200);
  const o = await overview();
  assert.equal(o.alerts.total, total);
  const sev = (n: number): number => bySev.find((x) => x.severity === n)?.n ?? 0;
  assert.deepEqual(o.alerts.bySeverity, { high: sev(1), medium: sev(2), low: sev(3) });
  assert.deepEqual(o.alerts.byDetector.map((x) => `${x.detector}=${x.count}`).sort(), byDet.map((x) => `${x.detector}=${x.n}`));
  assert.equal(o.incidents, incidents - 1);
  assert.equal(o.mutedCount, 1);
  const charted = o.charts.alerts.series.reduce((a, ser) => a + ser.data.reduce((b, pt) => b + pt[1], 0), 0);
  assert.equal(charted, total);
  assert.ok(o.latest.length > 0);
  assert.ok(o.latest.every((a) => !(a.run_id === scan.run_id && a.incident_id === scan.run_incident)), JSON.stringify(o.latest.map((a) => a.detector)));

  // The Alerts page's own count agrees.
  const list = await (await fetch(`${s.url}api/alerts?range=all&limit=1`)).json() as { total: number };
  assert.equal(list.total, o.alerts.total);

  browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors = collectErrors(page);
  await page.goto(`${s.url}#/overview?range=all`, { timeout: 15_000 });
  await page.waitForSelector('#card-alerts-total .value', { timeout: 10_000 });
  assert.equal(await page.textContent('#card-alerts-total .value'), total.toLocaleString('en-US'));
  assert.match(await page.textContent('#card-alerts-total .sub') ?? '', /\(1 muted hidden\)/);
  assert.deepEqual(errors, []);
  await page.close();
  await stopServe(s);
  s = undefined;
});
