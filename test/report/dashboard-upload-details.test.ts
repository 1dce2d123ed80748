// What the upload page gives beside the analysis itself, as the CLI gives it: each heuristic alert's
// evidence, the warning that a capture was cut short, and the uploaded file's name where the server's
// temporary path used to show.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { CLI, CORPUS } from '../support/corpus.js';
import { collectErrors, launchBrowser } from '../support/browser.js';
import { startServe, stopServe, type Serve } from '../support/dashboard.js';

const dir = mkdtempSync(join(tmpdir(), 'nw-dash-upload-'));
const db = join(dir, 'upload.db');
const SCAN = join(CORPUS, 'attack/scan/ppa_synscan.pcapng');
// CATALOG.md: 2,696 whole packets, then one stray byte of a record header.
const CUT = join(CORPUS, 'edge/sv_http-mime-truncated_cut.pcap');
let browser: Browser;
let s: Serve | undefined;

interface Upload {
  name: string;
  warnings: string[];
  data: { runs: { source: string }[]; alerts: { detector: string; evidence: string; explanation: string[] }[] };
}

before(async () => {
  const r = spawnSync(process.execPath, [CLI, 'analyze', SCAN, '--db', db, '-q', '--summary', 'none'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  s = await startServe(['--listen', '127.0.0.1:0', '--db', db, '--max-upload-mb', '8']);
  browser = await launchBrowser();
});

after(async () => {
  await stopServe(s);
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function upload(path: string, name: string): Promise<{ text: string; body: Upload }> {
  const r = await fetch(`${s?.url}api/upload`, { method: 'POST', headers: { 'content-type': 'application/octet-stream', 'x-netwatch-filename': name }, body: readFileSync(path) });
  assert.equal(r.status, 200);
  const text = await r.text();
  return { text, body: JSON.parse(text) as Upload };
}

async function uploadThroughPage(path: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors = collectErrors(page);
  await page.goto(`${s?.url}#/upload`, { timeout: 15_000 });
  await page.waitForSelector('#upload-file', { timeout: 10_000 });
  await page.setInputFiles('#upload-file', path);
  await page.click('#upload-go');
  await page.waitForSelector('#u-alerts-table', { timeout: 60_000 });
  return { page, errors };
}

test('the upload page shows a heuristic alert\'s evidence where the model gave no explanation', { timeout: 90_000 }, async () => {
  const { body } = await upload(SCAN, 'ppa_synscan.pcapng');
  const scan = body.data.alerts.find((a) => a.detector === 'port_scan');
  assert.ok(scan !== undefined && scan.explanation.length === 0 && /=/.test(scan.evidence), JSON.stringify(scan));
  const { page, errors } = await uploadThroughPage(SCAN);
  const headers = await page.$$eval('#u-alerts-table thead th', (ths) => ths.map((t) => t.textContent ?? ''));
  const col = headers.indexOf('Evidence');
  assert.ok(col >= 0, headers.join(' | '));
  const cells = await page.$$eval('#u-alerts-table tbody tr', (rows) => rows.map((r) => [...r.children].map((c) => c.textContent ?? '')));
  const row = cells.find((c) => c[2] === 'port_scan');
  assert.ok(row !== undefined, JSON.stringify(cells));
  assert.equal(row[col], scan.evidence);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a capture cut short is analysed with the CLI\'s warning, returned and shown', { timeout: 120_000 }, async () => {
  const { body } = await upload(CUT, 'cut.pcap');
  assert.deepEqual(body.warnings, ['cut.pcap: file ends in the middle of a packet record at byte offset 2715459; the 2696 whole packets before it were analysed']);
  const whole = await upload(SCAN, 'whole.pcapng');
  assert.deepEqual(whole.body.warnings, []);
  const { page, errors } = await uploadThroughPage(CUT);
  assert.match(await page.textContent('#upload-warnings') ?? '', /sv_http-mime-truncated_cut\.pcap: file ends in the middle of a packet record at byte offset 2715459; the 2696 whole packets/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the uploaded file is named by its name, never by the server\'s temporary path', { timeout: 90_000 }, async () => {
  const { text, body } = await upload(SCAN, 'suspect.pcapng');
  assert.deepEqual(body.data.runs.map((r) => r.source), ['suspect.pcapng']);
  assert.doesNotMatch(text, /netwatch-upload-|upload\.cap/);
});
