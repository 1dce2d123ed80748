// `netwatch serve` in headless Chromium on databases made by `analyze`: the overview draws its charts and
// counts from corpus attack captures, the alert list filters and sorts, acknowledging and muting
// incidents survives a restart (and never writes the main database), network strings are shown as text
// and run nothing, uploads are analysed or refused with the right status; plus the CLI's usage errors.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { CLI, CORPUS } from '../support/corpus.js';
import { collectErrors, launchBrowser, screenshot, updateReadmeImage } from '../support/browser.js';
import { startServe, stopServe, type Serve } from '../support/dashboard.js';
import { dnsQuery, ip, ipv4Udp, pcapFile, type PcapPacket } from '../support/frame-builder.js';

// Names the page callbacks use inside the browser (the project compiles without the DOM library).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const document: any, window: any;
type HTMLElement = { textContent: string | null; getAttribute(n: string): string | null; querySelectorAll(s: string): { length: number };
  querySelector(s: string): unknown; getBoundingClientRect(): { width: number } };

const dir = mkdtempSync(join(tmpdir(), 'nw-dash-'));
const corpusDb = join(dir, 'corpus.db');
const xssDb = join(dir, 'xss.db');
const SCAN = join(CORPUS, 'attack/scan/ppa_synscan.pcapng');
const FILES = [SCAN, join(CORPUS, 'attack/bruteforce/zeek_ssh_sshguess.pcap'), join(CORPUS, 'attack/dos/stopddos_amp.UDP.isakmp.pcap'),
  join(CORPUS, 'attack/arp-spoof/ppa_arppoison.pcapng')];
const XSS_SCRIPT = '<script>window.__xss=1</script>';
const XSS_IMG = '<img/src="x"/onerror="window.__xss=1">';
let browser: Browser;
const servers: Serve[] = [];

function analyze(files: string[], db: string): void {
  for (const f of files) {
    const r = spawnSync(process.execPath, [CLI, 'analyze', f, '--db', db, '-q', '--summary', 'none'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
  }
}

const sha = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');

before(async () => {
  analyze(FILES, corpusDb);
  // DNS exfiltration whose query names carry markup: the dns_tunnel alert's evidence quotes one of them.
  // (A space would be escaped as \032 by the decoder, so the image tag separates its attributes with /.)
  const packets: PcapPacket[] = Array.from({ length: 200 }, (_, i) => ({
    sec: 1_700_000_000 + Math.floor(i / 4), frac: (i % 4) * 250_000,
    data: ipv4Udp(ip('10.77.0.5'), ip('10.77.0.53'), 30000 + i, 53, dnsQuery(`${XSS_SCRIPT}${XSS_IMG}.n${i}.exfil.example.com`, 16, i)),
  }));
  const pcap = join(dir, 'xss.pcap');
  writeFileSync(pcap, pcapFile(packets));
  analyze([pcap], xssDb);
  browser = await launchBrowser();
});

after(async () => {
  for (const s of servers) { await s.stop().catch(() => undefined); }
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function serve(args: string[]): Promise<Serve> {
  const s = await startServe(['--listen', '127.0.0.1:0', ...args]);
  servers.push(s);
  return s;
}

async function openPage(url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors = collectErrors(page);
  await page.goto(url, { timeout: 15_000 });
  return { page, errors };
}

/** Text of every cell of one column (0-based) in the table's body rows that hold an alert or incident. */
async function column(page: Page, table: string, col: number): Promise<string[]> {
  return page.$$eval(`${table} tbody tr:not(.detail)`, (rows, c) => rows
    .filter((r) => r.children.length > c)
    .map((r) => (r.children[c] as HTMLElement).textContent ?? ''), col);
}

/** What an echarts chart holds: series data lengths, and how many SVG shapes it drew. */
async function chartInfo(page: Page, id: string): Promise<{ series: number[]; paths: number; svgWidth: number; boxWidth: number }> {
  return page.evaluate((chartId) => {
    const div = document.getElementById(`chart-${chartId}`) as HTMLElement;
    const ec = (window as unknown as { echarts: { getInstanceByDom(e: HTMLElement): { getOption(): { series: { data: unknown[] }[] } } } }).echarts;
    const opt = ec.getInstanceByDom(div).getOption();
    const svg = div.querySelector('svg') as { getBoundingClientRect(): { width: number } } | null;
    return { series: opt.series.map((s) => s.data.length), paths: div.querySelectorAll('svg path').length,
      svgWidth: svg === null ? 0 : svg.getBoundingClientRect().width, boxWidth: div.getBoundingClientRect().width };
  }, id);
}

test('overview of a database made by analyze from corpus attacks: counts, charts, latest alerts; no script or CSP errors', { timeout: 60_000 }, async () => {
  const before = sha(corpusDb);
  const s = await serve(['--db', corpusDb]);
  const { page, errors } = await openPage(`${s.url}#/overview?range=all`);
  await page.waitForSelector('#card-alerts-total .value', { timeout: 10_000 });
  const db = new Database(corpusDb, { readonly: true });
  const bySev = db.prepare('SELECT severity, count(*) AS n FROM alerts GROUP BY severity').all() as { severity: number; n: number }[];
  const detectors = db.prepare('SELECT detector, count(*) AS n FROM alerts GROUP BY detector ORDER BY detector').all() as { detector: string; n: number }[];
  const total = (db.prepare('SELECT count(*) AS n FROM alerts').get() as { n: number }).n;
  db.close();
  const sev = (n: number): string => String(bySev.find((r) => r.severity === n)?.n ?? 0);
  assert.equal(await page.textContent('#card-alerts-total .value'), String(total));
  assert.equal(await page.textContent('#card-sev-high .value'), sev(1));
  assert.equal(await page.textContent('#card-sev-medium .value'), sev(2));
  assert.equal(await page.textContent('#card-sev-low .value'), sev(3));
  // Ground truth (CATALOG.md): a SYN scan, SSH guessing, an ISAKMP reflection flood, ARP poisoning.
  assert.deepEqual(detectors.map((d) => d.detector), ['arp_spoof', 'brute_force', 'port_scan', 'reflection']);
  const shown = await column(page, '#detector-table', 0);
  const counts = await column(page, '#detector-table', 1);
  assert.deepEqual(shown.map((d, i) => `${d}=${counts[i]}`).sort(), detectors.map((d) => `${d.detector}=${d.n}`));
  assert.match(await page.textContent('#card-range-packets .value') ?? '', /^[\d,]+$/);
  for (const id of ['traffic', 'alerts', 'detectors']) {
    const c = await chartInfo(page, id);
    assert.ok(c.series.some((n) => n > 0), `${id}: no data in ${JSON.stringify(c.series)}`);
    assert.ok(c.paths >= 3, `${id}: ${c.paths} SVG paths`);
    // Drawn to its grid cell's width (charts made before their neighbours must be redrawn to fit).
    assert.ok(c.svgWidth > 100 && c.svgWidth <= c.boxWidth + 1, `${id}: svg ${c.svgWidth} px in a ${c.boxWidth} px box`);
  }
  const alertsChart = await chartInfo(page, 'alerts');
  assert.equal(alertsChart.series.length, 3);
  // The captures span years: traffic is folded into buckets of a day or more, one point per bucket
  // (minutes were once drawn one by one under a title that named the wide bucket).
  const ov = await (await fetch(`${s.url}api/overview?range=all`)).json() as { charts: { traffic: { series: { data: [number, number][] }[] } } };
  const xs = ov.charts.traffic.series[0].data.map((d) => d[0] / 1000);
  assert.ok(xs.length >= 2, JSON.stringify(xs));
  assert.equal(new Set(xs.map((x) => Math.floor(x / 86400))).size, xs.length, `two traffic points in one day: ${JSON.stringify(xs)}`);
  const latest = await column(page, '#latest-table', 4);
  assert.ok(latest.some((t) => t.startsWith('172.16.0.8')), latest.join(' | '));
  await page.waitForTimeout(2500); // one live refresh
  assert.equal(await page.textContent('#card-alerts-total .value'), String(total));
  const shot = await screenshot(page, 'dashboard-overview');
  assert.ok(existsSync(shot));
  updateReadmeImage(shot, 'dashboard');
  assert.deepEqual(errors, []);
  await page.close();
  await stopServe(s);
  servers.splice(servers.indexOf(s), 1);
  assert.equal(sha(corpusDb), before, 'the main database was written');
});

test('alerts page filters by detector, severity and host, sorts, and shows the rows the database holds', { timeout: 60_000 }, async () => {
  const s = await serve(['--db', corpusDb]);
  const { page, errors } = await openPage(`${s.url}#/alerts?range=all`);
  await page.waitForSelector('#alerts-table tbody tr.alert-row', { timeout: 10_000 });
  const db = new Database(corpusDb, { readonly: true });
  const ids = (sql: string, ...p: unknown[]): string[] => (db.prepare(sql).all(...p) as { id: number }[]).map((r) => String(r.id)).sort();
  const shownIds = async (): Promise<string[]> => (await page.$$eval('#alerts-table tr.alert-row', (rows) => rows.map((r) => r.getAttribute('data-alert-id') ?? ''))).sort();
  // Each table says which API query drew it: wait for the one asked for, not a refresh of the old one.
  const apply = async (set: () => Promise<void>, expect: RegExp): Promise<void> => {
    await set();
    await page.click('#f-apply');
    await page.waitForFunction((re) => new RegExp(re).test(document.getElementById('alerts-table')?.getAttribute('data-query') ?? ''), expect.source, { timeout: 10_000 });
  };
  assert.deepEqual(await shownIds(), ids('SELECT id FROM alerts'));
  // Parameters that would match nothing are refused with the parameter named, not answered with an
  // empty table that looks like a quiet network.
  for (const [q, re] of [
    ['detector=bogus', /detector=bogus: not a detector \(one of .*port_scan/],
    ['since=2021-02-30', /since=2021-02-30: not epoch seconds or a date\/time that exists/],
    ['since=2030-01-01&until=2020-01-01', /the range ends before it starts/],
  ] as const) {
    for (const api of ['alerts', 'incidents']) {
      const r = await fetch(`${s.url}api/${api}?range=all&${q}`);
      assert.equal(r.status, 400, `${api}?${q}`);
      assert.match(((await r.json()) as { error: string }).error, re);
    }
  }
  const hostsRange = await fetch(`${s.url}api/hosts?range=all`);
  assert.equal(hostsRange.status, 400);
  assert.match(((await hostsRange.json()) as { error: string }).error, /range: threat scores are computed as of the newest alert/);

  await apply(() => page.selectOption('#f-detector', 'arp_spoof').then(() => undefined), /detector=arp_spoof/);
  assert.deepEqual(await shownIds(), ids("SELECT id FROM alerts WHERE detector = 'arp_spoof'"));
  assert.deepEqual([...new Set(await column(page, '#alerts-table', 2))], ['arp_spoof']);
  assert.equal((await shownIds()).length, 2);

  await apply(async () => { await page.selectOption('#f-detector', ''); await page.selectOption('#f-severity', '1'); }, /^(?!.*detector).*severity=1/);
  assert.deepEqual(await shownIds(), ids('SELECT id FROM alerts WHERE severity = 1'));
  assert.deepEqual([...new Set(await column(page, '#alerts-table', 1))], ['high']);

  await apply(async () => { await page.selectOption('#f-severity', '3'); await page.fill('#f-host', '172.16.0.1'); }, /host=172\.16\.0\.1&.*severity=3/);
  const hostIds = ids("SELECT id FROM alerts WHERE src_ip = '172.16.0.1' OR dest_ip = '172.16.0.1'");
  assert.equal(hostIds.length, 2);
  // The API compares addresses as addresses: the IPv4-mapped spelling finds the same alerts.
  const mapped = await (await fetch(`${s.url}api/alerts?range=all&severity=3&host=${encodeURIComponent('::ffff:172.16.0.1')}`)).json() as { rows: { id: number }[] };
  assert.deepEqual(mapped.rows.map((r) => String(r.id)).sort(), hostIds);
  // Severity by name, as the CLI takes it: "high" is 1.
  const byName = await (await fetch(`${s.url}api/alerts?range=all&severity=high`)).json() as { rows: { id: number }[] };
  assert.deepEqual(byName.rows.map((r) => String(r.id)).sort(), ids('SELECT id FROM alerts WHERE severity = 1').sort());
  const badName = await fetch(`${s.url}api/alerts?range=all&severity=urgent`);
  assert.equal(badName.status, 400);
  assert.match(((await badName.json()) as { error: string }).error, /severity=urgent: must be high, medium, low or 1-3/);
  assert.deepEqual(await shownIds(), hostIds);
  const inc = await column(page, '#incidents-table', 1);
  assert.deepEqual(inc.sort(), ['arp_spoof', 'arp_spoof']);

  await apply(() => page.fill('#f-host', '192.168.56.1'), /host=192\.168\.56\.1&/);
  assert.deepEqual(await column(page, '#alerts-table', 2), ['brute_force']);
  assert.match((await column(page, '#alerts-table', 5))[0], /^192\.168\.56\.103:22$/);

  // Sorting by score puts the highest first, then the other way round.
  await apply(() => page.fill('#f-host', ''), /^(?!.*host=).*severity=3/);
  await page.click('#alerts-table th[data-sort="score"]');
  await page.waitForSelector('#alerts-table th.sorted-desc[data-sort="score"]', { timeout: 5000 });
  const scores = (await column(page, '#alerts-table', 7)).map(Number);
  assert.deepEqual(scores, [...scores].sort((a, b) => b - a));
  await page.click('#alerts-table th[data-sort="score"]');
  await page.waitForSelector('#alerts-table th.sorted-asc[data-sort="score"]', { timeout: 5000 });
  const up = (await column(page, '#alerts-table', 7)).map(Number);
  assert.deepEqual(up, [...up].sort((a, b) => a - b));
  const best = db.prepare('SELECT max(score) AS s FROM alerts').get() as { s: number };
  assert.equal(scores[0], Number(best.s.toFixed(2)));

  // From an incident to its alerts: its id in the incidents table links to them (there was no way there).
  const one = db.prepare(`SELECT i.id, count(a.id) AS n FROM incidents i JOIN alerts a ON a.run_id = i.run_id AND a.incident_id = i.run_incident
    GROUP BY i.id ORDER BY n DESC, i.id LIMIT 1`).get() as { id: number; n: number };
  await page.click(`#incidents-table tr[data-incident-id="${one.id}"] a`);
  await page.waitForFunction((id) => document.querySelector('h1')?.textContent === `Alerts of incident ${id}`
    && new RegExp(`incident=${id}`).test(document.getElementById('alerts-table')?.getAttribute('data-query') ?? ''), one.id, { timeout: 10_000 });
  assert.deepEqual(await shownIds(), ids(`SELECT a.id FROM alerts a JOIN incidents i ON a.run_id = i.run_id AND a.incident_id = i.run_incident
    WHERE i.id = ?`, one.id));
  assert.deepEqual(await page.$$eval('#incidents-table tr[data-incident-id]', (r) => r.map((x) => x.getAttribute('data-incident-id'))), [String(one.id)]);
  const mixed = await fetch(`${s.url}api/alerts?incident=${one.id}&range=24h`);
  assert.equal(mixed.status, 400);
  assert.equal((await fetch(`${s.url}api/alerts?incident=999999`)).status, 404);
  db.close();
  await page.goto(`${s.url}#/alerts?range=all`);
  await page.waitForSelector('#alerts-table tbody tr.alert-row', { timeout: 10_000 });
  await screenshot(page, 'dashboard-alerts');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a clicked alert shows the flow it names when the database kept it, and says so when it did not', { timeout: 60_000 }, async () => {
  // The scan with its alerted flows stored, the SSH guesser without (analyze stores none by default).
  const db = join(dir, 'flows.db');
  for (const [file, extra] of [[SCAN, ['--db-flows', 'alerted']], [join(CORPUS, 'attack/bruteforce/zeek_ssh_sshguess.pcap'), []]] as const) {
    const r = spawnSync(process.execPath, [CLI, 'analyze', file, '--db', db, '-q', '--summary', 'none', ...extra], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
  }
  const conn = new Database(db, { readonly: true });
  const eve = new Map((conn.prepare('SELECT id, eve FROM alerts').all() as { id: number; eve: string }[])
    .map((a) => [a.id, JSON.parse(a.eve) as { flow_id?: number; community_id?: string }]));
  conn.close();
  const s = await serve(['--db', db]);
  interface Row { id: number; detector: string; src_ip: string; src_port: number | null; dest_ip: string; dest_port: number | null; flow_id: number | null; flow: Record<string, unknown> | null }
  const rows = (await (await fetch(`${s.url}api/alerts?range=all&severity=3`)).json() as { rows: Row[] }).rows;
  const scan = rows.find((a) => a.detector === 'port_scan');
  const brute = rows.find((a) => a.detector === 'brute_force');
  assert.ok(scan && brute, rows.map((a) => a.detector).join(' '));
  // The scan's flow: the probe the alert names, as the flow log has it.
  assert.equal(scan.flow_id, eve.get(scan.id)?.flow_id);
  assert.ok(scan.flow, 'the scan alert\'s flow was stored with --db-flows alerted');
  assert.deepEqual([scan.flow.src_ip, scan.flow.src_port, scan.flow.dest_ip, scan.flow.dest_port, scan.flow.community_id],
    [scan.src_ip, scan.src_port, scan.dest_ip, scan.dest_port, eve.get(scan.id)?.community_id]);
  assert.match(String(scan.flow.conn_state), /^(S0|REJ|RSTO|RSTOS0|RSTR|SF|OTH|SH|SHR|S1|S2|S3)$/);
  assert.equal(brute.flow_id, eve.get(brute.id)?.flow_id);
  assert.ok(brute.flow_id !== null && brute.flow === null);

  const { page, errors } = await openPage(`${s.url}#/alerts?range=all`);
  await page.waitForSelector('#alerts-table tbody tr.alert-row', { timeout: 10_000 });
  const detailOf = async (id: number): Promise<string> => {
    await page.click(`#alerts-table tr.alert-row[data-alert-id="${id}"]`);
    return await page.textContent(`#alerts-table tr.alert-row[data-alert-id="${id}"] + tr.detail:not([hidden]) pre`) ?? '';
  };
  const scanText = await detailOf(scan.id);
  assert.match(scanText, new RegExp(`"flow_id": ${scan.flow_id},`));
  assert.match(scanText, new RegExp(`"history": "${String(scan.flow.history)}"`));
  assert.match(await detailOf(brute.id), /"flow": "not in the database \(flows are stored with --db-flows alerted or all\)"/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('acknowledge and mute incidents: stored beside the database, muted ones hidden, both survive a restart', { timeout: 90_000 }, async () => {
  const before = sha(corpusDb);
  const sidecar = `${corpusDb}-dashboard.db`;
  let s = await serve(['--db', corpusDb]);
  let { page, errors } = await openPage(`${s.url}#/alerts?range=all`);
  await page.waitForSelector('#incidents-table tbody tr[data-incident-id]', { timeout: 10_000 });
  const db = new Database(corpusDb, { readonly: true });
  const brute = db.prepare("SELECT id FROM incidents WHERE detector = 'brute_force'").get() as { id: number };
  const scan = db.prepare("SELECT id FROM incidents WHERE detector = 'port_scan'").get() as { id: number };
  const scanAlert = db.prepare("SELECT id FROM alerts WHERE detector = 'port_scan'").get() as { id: number };
  const incidentCount = (db.prepare('SELECT count(*) AS n FROM incidents').get() as { n: number }).n;
  db.close();
  const row = (id: number): string => `#incidents-table tr[data-incident-id="${id}"]`;

  await page.click(`${row(brute.id)} button[data-action="ack"]`);
  await page.waitForSelector(`${row(brute.id)} .badge.ack`, { timeout: 5000 });
  await page.click(`${row(scan.id)} button[data-action="mute"]`);
  await page.waitForSelector(row(scan.id), { state: 'detached', timeout: 5000 });
  assert.equal(await page.$(`#alerts-table tr[data-alert-id="${scanAlert.id}"]`), null, 'the muted incident\'s alert is still listed');
  assert.match(await page.textContent('#incidents-count') ?? '', /1 muted hidden/);
  assert.equal((await page.$$('#incidents-table tr[data-incident-id]')).length, incidentCount - 1);
  await page.check('#f-muted');
  await page.waitForSelector(`${row(scan.id)} .badge.mute`, { timeout: 5000 });
  await page.waitForSelector(`#alerts-table tr[data-alert-id="${scanAlert.id}"]`, { timeout: 5000 });
  await screenshot(page, 'dashboard-incidents');
  assert.deepEqual(errors, []);
  await page.close();
  await stopServe(s);
  servers.splice(servers.indexOf(s), 1);

  // The state is in the sidecar, and the main database is byte for byte what analyze wrote.
  assert.equal(sha(corpusDb), before);
  const side = new Database(sidecar, { readonly: true });
  const states = side.prepare('SELECT incident_id, state FROM incident_state ORDER BY incident_id').all() as { incident_id: number; state: string }[];
  side.close();
  assert.deepEqual(states, [{ incident_id: scan.id, state: 'mute' }, { incident_id: brute.id, state: 'ack' }].sort((a, b) => a.incident_id - b.incident_id));

  s = await serve(['--db', corpusDb]);
  ({ page, errors } = await openPage(`${s.url}#/alerts?range=all`));
  await page.waitForSelector(`${row(brute.id)} .badge.ack`, { timeout: 10_000 });
  assert.equal(await page.$(row(scan.id)), null, 'muted incident shown after restart');
  await page.check('#f-muted');
  await page.waitForSelector(`${row(scan.id)} .badge.mute`, { timeout: 5000 });
  // Unmute: back in the default list.
  await page.click(`${row(scan.id)} button[data-action="none"]`);
  await page.waitForSelector(`${row(scan.id)} button[data-action="mute"]`, { timeout: 5000 });
  await page.uncheck('#f-muted');
  await page.waitForSelector(row(scan.id), { timeout: 5000 });
  assert.deepEqual(errors, []);
  await page.close();
  // Through the API: a state is validated, an unknown incident is 404.
  const post = (id: number, body: string): Promise<Response> => fetch(`${s.url}api/incidents/${id}/state`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  assert.equal((await post(brute.id, '{"state":"delete everything"}')).status, 400);
  assert.equal((await post(999999, '{"state":"ack"}')).status, 404);
  const cross = await fetch(`${s.url}api/incidents/${brute.id}/state`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'http://evil.example' }, body: '{"state":"mute"}' });
  assert.equal(cross.status, 403);
  await stopServe(s);
  servers.splice(servers.indexOf(s), 1);
  assert.equal(sha(corpusDb), before);
});

test('DNS names with <script> and <img onerror> in alert evidence are shown literally and run nothing', { timeout: 60_000 }, async () => {
  const db = new Database(xssDb, { readonly: true });
  const eve = db.prepare("SELECT eve FROM alerts WHERE detector = 'dns_tunnel'").all() as { eve: string }[];
  db.close();
  assert.ok(eve.length >= 1, 'no dns_tunnel alert');
  const query = (JSON.parse(eve[0].eve) as { netwatch: { evidence: { example_query: string } } }).netwatch.evidence.example_query;
  assert.ok(query.includes(XSS_SCRIPT) && query.includes(XSS_IMG), query);

  const s = await serve(['--db', xssDb]);
  let dialogs = 0;
  for (const hash of ['#/alerts?range=all', '#/overview?range=all', '#/host?ip=10.77.0.5&range=all']) {
    const { page, errors } = await openPage(`${s.url}${hash}`);
    page.on('dialog', (d) => { dialogs++; void d.dismiss(); });
    const table = hash.startsWith('#/alerts') ? '#alerts-table' : hash.startsWith('#/overview') ? '#latest-table' : '#host-alerts-table';
    await page.waitForSelector(`${table} td.evidence`, { timeout: 10_000 });
    const text = await page.textContent(`${table} td.evidence`) ?? '';
    assert.ok(text.includes(`example_query=${query}`), text);
    const dom = await page.evaluate((t) => ({
      xss: (window as unknown as { __xss?: unknown }).__xss,
      injected: document.querySelectorAll(`${t} script, ${t} img, main script, main img`).length,
      onerror: document.querySelectorAll('[onerror]').length,
    }), table);
    assert.deepEqual(dom, { xss: undefined, injected: 0, onerror: 0 });
    if (table === '#alerts-table') {
      await page.click('#alerts-table tr.alert-row');
      const pre = await page.textContent('#alerts-table tr.detail:not([hidden]) pre') ?? '';
      assert.ok(pre.includes(JSON.stringify(query).slice(1, -1)), pre);
      await screenshot(page, 'dashboard-xss');
    }
    await page.waitForTimeout(2300); // a live refresh redraws the rows: still text
    assert.equal(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss), undefined);
    assert.deepEqual(errors, [], hash);
    await page.close();
  }
  assert.equal(dialogs, 0);
  // Every response carries the policy, even errors.
  for (const path of ['', 'static/app.js', 'api/overview', 'api/nothing-here', 'api/alerts?severity=9']) {
    const r = await fetch(`${s.url}${path}`);
    assert.equal(r.headers.get('content-security-policy'),
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'", path);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(r.headers.get('referrer-policy'), 'no-referrer');
  }
  const html = await (await fetch(s.url)).text();
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>|\sstyle=|<style/i, 'inline script or style in the page');
  for (const bad of ['static/..%2fpackage.json', 'static/../package.json', 'static/index.html', 'static/%2e%2e%2fsrc%2fcli%2fmain.ts']) {
    const r = await fetch(`${s.url}${bad}`);
    assert.equal(r.status, 404, bad);
  }
  await stopServe(s);
  servers.splice(servers.indexOf(s), 1);
});

test('upload a corpus capture through the page and see its alerts; oversize is 413, not a capture is 400; temp files go', { timeout: 90_000 }, async () => {
  const uploadsBefore = readdirSync(tmpdir()).filter((f) => f.startsWith('netwatch-upload-'));
  const s = await serve(['--db', corpusDb, '--max-upload-mb', '1']);
  const { page, errors } = await openPage(`${s.url}#/upload`);
  await page.waitForSelector('#upload-file', { timeout: 10_000 });
  await page.setInputFiles('#upload-file', SCAN);
  await page.click('#upload-go');
  await page.waitForSelector('#u-alerts-table tbody tr', { timeout: 30_000 });
  const cells = await page.$$eval('#u-alerts-table tbody tr', (rows) => rows.map((r) => [...r.children].map((c) => c.textContent ?? '')));
  // CATALOG.md: scanner 172.16.0.8 -> 64.13.134.52 (with the ports of the probe the alert was raised on).
  assert.ok(cells.some((c) => c[2] === 'port_scan' && c[4] === '172.16.0.8:36050' && c[5] === '64.13.134.52:17877'), JSON.stringify(cells));
  assert.match(await page.textContent('#upload-status') ?? '', /ppa_synscan\.pcapng: analysed/);
  assert.equal(await page.textContent('#card-u-packets .value'), '2,011');
  const traffic = await chartInfo(page, 'u-traffic');
  assert.ok(traffic.series[0] > 0 && traffic.paths > 0);
  await screenshot(page, 'dashboard-upload');

  // Through the page: a file that is not a capture, then one over the limit.
  await page.setInputFiles('#upload-file', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('these are not packets\n') });
  await page.click('#upload-go');
  await page.waitForSelector('#upload-error', { timeout: 10_000 });
  assert.match(await page.textContent('#upload-error') ?? '', /not a pcap or pcapng capture: it starts with bytes 74 68 65 73/);
  const big = Buffer.alloc(2 * 1048576);
  big.writeUInt32LE(0xa1b2c3d4, 0);
  await page.setInputFiles('#upload-file', { name: 'big.pcap', mimeType: 'application/octet-stream', buffer: big });
  await page.click('#upload-go');
  await page.waitForFunction(() => /too large/.test(document.getElementById('upload-error')?.textContent ?? ''), null, { timeout: 10_000 });
  const consoleErrors = errors.filter((e) => !/status of 4(00|13)/.test(e));
  assert.deepEqual(consoleErrors, []);
  await page.close();

  // Through the API: status codes and one-line reasons.
  const up = (body: Uint8Array, type = 'application/octet-stream'): Promise<Response> => fetch(`${s.url}api/upload`, { method: 'POST', headers: { 'content-type': type }, body });
  // Refused while the client is still sending: it reads the 413, every time, not a reset (fetch failed: EPIPE).
  for (let i = 0; i < 5; i++) assert.equal((await up(big)).status, 413);
  const r413 = await up(big);
  assert.equal(r413.status, 413);
  assert.match(((await r413.json()) as { error: string }).error, /too large: 2097152 bytes, the limit is 1 MiB/);
  const r400 = await up(Buffer.from('GIF89a not a capture'));
  assert.equal(r400.status, 400);
  assert.match(((await r400.json()) as { error: string }).error, /not a pcap or pcapng capture/);
  assert.equal((await up(Buffer.alloc(0))).status, 400);
  const ok = await up(readFileSync(SCAN));
  assert.equal(ok.status, 200);
  const body = await ok.json() as { data: { summary: { alerts: number } }; charts: { id: string }[] };
  assert.ok(body.data.summary.alerts >= 1);
  assert.deepEqual(body.charts.map((c) => c.id), ['traffic', 'alerts', 'protocols', 'sources', 'destinations', 'services', 'source-ports']);
  // A cut capture: analysed to its last whole packet, or refused with 400, never a 500.
  const cut = await up(readFileSync(SCAN).subarray(0, 5000));
  assert.ok(cut.status === 200 || cut.status === 400, String(cut.status));
  await stopServe(s);
  servers.splice(servers.indexOf(s), 1);
  const uploadsAfter = readdirSync(tmpdir()).filter((f) => f.startsWith('netwatch-upload-'));
  assert.deepEqual(uploadsAfter, uploadsBefore, 'upload temp files left behind');
});

test('host page: threat score with reasons, traffic, alerts of the host', { timeout: 60_000 }, async () => {
  const db = join(dir, 'host.db');
  analyze([join(CORPUS, 'attack/bruteforce/zeek_ssh_sshguess.pcap')], db);
  const s = await serve(['--db', db]);
  const { page, errors } = await openPage(`${s.url}#/hosts`);
  await page.waitForSelector('#hosts-table tbody tr', { timeout: 10_000 });
  const hosts = await column(page, '#hosts-table', 1);
  // The attacker ranks first (CATALOG.md: 192.168.56.1 guessing SSH passwords on 192.168.56.103).
  assert.equal(hosts[0], '192.168.56.1');
  await page.click('#hosts-table tbody tr:first-child a');
  await page.waitForSelector('#host-title', { timeout: 10_000 });
  assert.equal(await page.textContent('#host-title'), 'Host 192.168.56.1');
  const cli = spawnSync(process.execPath, [CLI, 'hosts', '--db', db, '--format', 'json', '--no-store'], { encoding: 'utf8' });
  const top = JSON.parse(cli.stdout.split('\n')[0]) as { host: string; score: number; reasons: string[] };
  assert.equal(await page.textContent('#card-score .value'), top.score.toFixed(1));
  assert.deepEqual(await page.$$eval('#score-reasons li', (li) => li.map((l) => l.textContent)), top.reasons);
  assert.deepEqual(await column(page, '#host-alerts-table', 2), ['brute_force']);
  await page.waitForSelector('#chart-host-traffic svg', { timeout: 5000 });
  await screenshot(page, 'dashboard-host');
  assert.deepEqual(errors, []);
  await page.close();
  await stopServe(s);
  servers.splice(servers.indexOf(s), 1);
});

test('usage errors: missing database named (exit 2), bad --listen (exit 2), port in use (exit 1), short token (exit 2)', { timeout: 60_000 }, async () => {
  const run = (args: string[]) => spawnSync(process.execPath, [CLI, 'serve', ...args], { encoding: 'utf8', timeout: 15_000 });
  const missing = run(['--db', join(dir, 'nope.db')]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /^netwatch: .*nope\.db: no such database/);
  assert.equal(missing.stderr.trim().split('\n').length, 1);
  for (const bad of ['127.0.0.1', 'localhost:99999', 'example.com:8080', '1.2.3:80', '']) {
    const r = run(['--db', corpusDb, '--listen', bad]);
    assert.equal(r.status, 2, `${bad}: ${r.stderr}`);
    assert.match(r.stderr, /--listen/);
  }
  const short = run(['--db', corpusDb, '--token', 'short']);
  assert.equal(short.status, 2);
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  const port = (blocker.address() as { port: number }).port;
  const inUse = run(['--db', corpusDb, '--listen', `127.0.0.1:${port}`]);
  blocker.close();
  assert.equal(inUse.status, 1);
  assert.match(inUse.stderr, /address already in use/);
  assert.equal(inUse.stderr.trim().split('\n').length, 1);
  const help = run(['--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /Examples:/);
  assert.match(help.stdout, /--listen 0\.0\.0\.0:8080/);
});

test('the config file sets listen, token and upload limit; unknown keys refused; SIGINT closes cleanly', { timeout: 60_000 }, async () => {
  const cfg = join(dir, 'dash.json');
  writeFileSync(cfg, JSON.stringify({ dashboard: { listen: '127.0.0.1:0', maxUploadMb: 2, token: 'from-the-config-file-0123' } }));
  const s = await startServe(['--db', corpusDb, '--config', cfg]);
  servers.push(s);
  assert.equal((await fetch(`${s.url}api/meta`)).status, 401, 'a token from the config applies on loopback too');
  const meta = await (await fetch(`${s.url}api/meta`, { headers: { authorization: 'Bearer from-the-config-file-0123' } })).json() as { maxUploadBytes: number };
  assert.equal(meta.maxUploadBytes, 2 * 1048576);
  const exited = new Promise<number | null>((resolve) => s.child.once('exit', (code) => resolve(code)));
  s.child.kill('SIGINT');
  const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('still running after 10 s'), 10_000))]);
  assert.equal(code, 0, s.stderr());
  assert.match(s.stderr(), /SIGINT: closing/);
  servers.splice(servers.indexOf(s), 1);
  writeFileSync(cfg, JSON.stringify({ dashboard: { port: 8080 } }));
  const bad = spawnSync(process.execPath, [CLI, 'serve', '--db', corpusDb, '--config', cfg], { encoding: 'utf8', timeout: 15_000 });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /dash\.json: dashboard\.port: unknown key/);
});

