// The dashboard on the network and live: a listener on a namespace's 10.77.x.x address refuses requests
// without its access token (401) and takes it as a Bearer header or once in the URL (then an HttpOnly
// SameSite=Strict cookie), a generated token is stored and reused, loopback needs none; and an attack made
// between namespaces while `capture --db` runs appears on the open alert list without a reload.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Browser } from 'playwright-core';
import { CLI, CORPUS } from '../support/corpus.js';
import { collectErrors, launchBrowser, screenshot } from '../support/browser.js';
import { startServe, stopServe, type Serve } from '../support/dashboard.js';
import { createNetnsPair, stopGenerator, waitForExit, waitForStderr, type NetnsPair } from '../support/netns.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const document: any, window: any;

const dir = mkdtempSync(join(tmpdir(), 'nw-dashlive-'));
const db = join(dir, 'corpus.db');
let net: NetnsPair;
let browser: Browser | undefined;
const servers: Serve[] = [];
const children: ChildProcess[] = [];

before(() => {
  net = createNetnsPair('dl');
  const r = spawnSync(process.execPath, [CLI, 'analyze', join(CORPUS, 'attack/scan/ppa_synscan.pcapng'), '--db', db, '-q', '--summary', 'none'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
});

after(async () => {
  for (const s of servers) await s.stop().catch(() => undefined);
  for (const c of children) { stopGenerator(c); c.kill('SIGKILL'); }
  await browser?.close();
  net?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

/** curl from the peer namespace: status code, headers and body. */
function curl(url: string, args: string[] = []): { status: number; headers: string; body: string } {
  const out = net.exec(net.nsB, ['curl', '-s', '-i', '--max-time', '5', ...args, url], 10_000);
  const [head, ...rest] = out.split('\r\n\r\n');
  return { status: Number(/^HTTP\/[\d.]+ (\d+)/.exec(head)?.[1] ?? 0), headers: head, body: rest.join('\r\n\r\n') };
}

test('a non-loopback listener needs the token: 401 without, Bearer or ?token= then cookie with; loopback needs none', { timeout: 60_000 }, async () => {
  const token = 'test-token-0123456789abcdef';
  const s = await startServe(['--db', db, '--listen', `${net.ipA}:0`, '--token', token], { netns: net.nsA });
  servers.push(s);
  assert.ok(s.url.startsWith(`http://${net.ipA}:`), s.url);
  for (const path of ['', 'api/overview', 'api/alerts', 'static/app.js', 'api/incidents/1/state']) {
    const r = curl(`${s.url}${path}`);
    assert.equal(r.status, 401, `${path}: ${r.headers}`);
    assert.match(r.headers, /content-security-policy: default-src 'none'/i);
    assert.doesNotMatch(r.body, /netwatch dashboard|alerts/i);
  }
  assert.equal(curl(`${s.url}api/overview`, ['-H', 'Authorization: Bearer wrong-token-0123456789abcdef']).status, 401);
  assert.equal(curl(`${s.url}api/overview`, ['-H', `Authorization: Bearer ${token}x`]).status, 401);
  assert.equal(curl(`${s.url}?token=${token.slice(0, -1)}`).status, 401);
  const ok = curl(`${s.url}api/alerts?range=all`, ['-H', `Authorization: Bearer ${token}`]);
  assert.equal(ok.status, 200);
  assert.match(ok.body, /"detector":"port_scan"/);
  // The token in the address once: a cookie (HttpOnly, SameSite=Strict) and a redirect that drops it from the URL.
  const first = curl(`${s.url}?token=${token}`);
  assert.equal(first.status, 303);
  assert.match(first.headers, /^location: \/$/im);
  const cookie = /^set-cookie: (nw_token=[^;\r\n]+)([^\r\n]*)$/im.exec(first.headers);
  assert.ok(cookie, first.headers);
  assert.match(cookie[2], /HttpOnly/);
  assert.match(cookie[2], /SameSite=Strict/);
  const page = curl(s.url, ['-H', `Cookie: ${cookie[1]}`]);
  assert.equal(page.status, 200);
  assert.match(page.body, /netwatch dashboard/);
  assert.equal(curl(`${s.url}api/overview`, ['-H', `Cookie: ${cookie[1]}`]).status, 200);
  await stopServe(s);
  servers.splice(servers.indexOf(s), 1);

  // Loopback, nothing given: no token asked.
  const lo = await startServe(['--db', db, '--listen', '127.0.0.1:0']);
  servers.push(lo);
  assert.equal((await fetch(`${lo.url}api/overview`)).status, 200);
  assert.doesNotMatch(lo.stderr(), /token/);
  await stopServe(lo);
  servers.splice(servers.indexOf(lo), 1);
});

test('no token given on a non-loopback address: one is generated, printed, stored in the sidecar and reused', { timeout: 60_000 }, async () => {
  const s = await startServe(['--db', db, '--listen', `${net.ipA}:0`], { netns: net.nsA, env: { NETWATCH_TOKEN: '' } });
  servers.push(s);
  for (let i = 0; i < 50 && !/access token \(generated/.test(s.stderr()); i++) await new Promise((r) => setTimeout(r, 100));
  const m = /access token \(generated, stored in (\S+)\): (\S+)/.exec(s.stderr());
  assert.ok(m, s.stderr());
  const [, sidecar, token] = m;
  assert.equal(sidecar, `${db}-dashboard.db`);
  assert.ok(token.length >= 40);
  const side = new Database(sidecar, { readonly: true });
  assert.equal((side.prepare("SELECT value FROM settings WHERE key = 'token'").get() as { value: string }).value, token);
  side.close();
  assert.equal(curl(`${s.url}api/meta`).status, 401);
  assert.equal(curl(`${s.url}api/meta`, ['-H', `Authorization: Bearer ${token}`]).status, 200);
  await stopServe(s);
  servers.splice(servers.indexOf(s), 1);
  const again = await startServe(['--db', db, '--listen', `${net.ipA}:0`], { netns: net.nsA, env: { NETWATCH_TOKEN: '' } });
  servers.push(again);
  assert.doesNotMatch(again.stderr(), new RegExp(token));
  assert.match(again.stderr(), /access token required \(the one stored in/);
  assert.equal(curl(`${again.url}api/meta`, ['-H', `Authorization: Bearer ${token}`]).status, 200);
  assert.equal(curl(`${again.url}api/meta`).status, 401);
  await stopServe(again);
  servers.splice(servers.indexOf(again), 1);
});

test('live: an hping3 SYN flood between namespaces appears on the open alert list within seconds, without a reload, and its incident can be acknowledged', { timeout: 120_000 }, async () => {
  const liveDb = join(dir, 'live.db');
  const cap = net.spawn(net.nsA, [process.execPath, CLI, 'capture', '-i', net.ifA, '-q', '--summary', 'none', '--db', liveDb]);
  children.push(cap);
  const capExit = waitForExit(cap, 110_000);
  await waitForStderr(cap, /capturing on/, 20_000);
  assert.ok(existsSync(liveDb));
  const s = await startServe(['--db', liveDb, '--listen', '127.0.0.1:0']);
  servers.push(s);
  browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors = collectErrors(page);
  let navigations = 0;
  page.on('framenavigated', () => { navigations++; });
  await page.goto(`${s.url}#/alerts?range=24h`, { timeout: 15_000 });
  await page.waitForSelector('#alerts-table', { timeout: 10_000 });
  assert.equal(await page.$('#alerts-table tr.alert-row'), null, 'alerts before the attack');
  await page.evaluate(() => { window.__sameDocument = true; });
  const loaded = navigations;
  const started = Date.now();
  const flood = net.generate(net.nsB, ['hping3', '-q', '-S', '-p', '8081', '-i', 'u200', '-c', '5000', net.ipA], 20, dir);
  children.push(flood);
  try {
    await page.waitForFunction((src) => [...document.querySelectorAll('#alerts-table tr.alert-row')]
      .some((r: { children: { textContent: string }[] }) => r.children[2].textContent === 'syn_flood' && r.children[4].textContent.startsWith(src)),
    net.ipB, { timeout: 15_000, polling: 200 });
    const ms = Date.now() - started;
    assert.ok(ms < 15_000, `${ms} ms`);
    assert.equal(await page.evaluate(() => window.__sameDocument), true, 'the page was reloaded');
    assert.equal(navigations, loaded);
    const row = await page.$$eval('#alerts-table tr.alert-row', (rows) => rows.map((r) => [...r.children].map((c) => c.textContent)));
    const flo = row.find((c) => c[2] === 'syn_flood') as string[];
    assert.equal(flo[1], 'high');
    assert.match(flo[5], new RegExp(`^${net.ipA.replace(/\./g, '\\.')}:8081$`));
    // Its incident is in the database while the capture runs, so it can be acknowledged live.
    const incident = '#incidents-table tr[data-incident-id]';
    await page.waitForFunction((sel) => [...document.querySelectorAll(sel)]
      .some((r: { textContent: string }) => r.textContent.includes('syn_flood')), incident, { timeout: 10_000, polling: 200 });
    await page.click(`${incident} button[data-action="ack"]`);
    await page.waitForSelector(`${incident} .badge.ack`, { timeout: 5000 });
    await screenshot(page, 'dashboard-live');
    process.stderr.write(`live syn_flood on the dashboard after ${ms} ms\n`);
  } finally {
    stopGenerator(flood);
  }
  // The overview of the live database counts it too.
  await page.goto(`${s.url}#/overview?range=24h`);
  await page.waitForFunction(() => Number(document.querySelector('#card-sev-high .value')?.textContent ?? '0') >= 1, null, { timeout: 10_000 });
  assert.deepEqual(errors, []);
  await page.close();
  await stopServe(s);
  servers.splice(servers.indexOf(s), 1);
  cap.kill('SIGINT');
  const res = await capExit;
  assert.equal(res.code, 0, res.stderr);
});
