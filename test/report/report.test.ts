// netwatch report: the HTML report of a real attack capture opens in headless Chromium with no network and
// draws every chart; tables sort; hostile names from the traffic are shown as text; --png writes real
// images; a database report covers exactly the range asked for.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { DETECTION_DEFAULTS } from '../../src/config/detection-defaults.js';
import { reportFromDatabase } from '../../src/report/report-data.js';
import { CLI, CORPUS } from '../support/corpus.js';
import { collectErrors, launchBrowser, screenshot, updateReadmeImage } from '../support/browser.js';
import { dnsQuery, ip, ipv4Udp, pcapFile, type PcapPacket } from '../support/frame-builder.js';

const dir = mkdtempSync(join(tmpdir(), 'nw-report-'));
const SYNSCAN = join(CORPUS, 'attack', 'scan', 'ppa_synscan.pcapng');
const SSHGUESS = join(CORPUS, 'attack', 'bruteforce', 'zeek_ssh_sshguess.pcap');
let browser: Browser;

before(async () => { browser = await launchBrowser(); });
after(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(CLI, args, { encoding: 'utf8', cwd: dir });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Opens a report file in a context with the network switched off; every request that is not the file itself is refused and recorded. */
async function openOffline(file: string): Promise<{ page: Page; errors: string[]; requests: string[] }> {
  const context = await browser.newContext({ offline: true, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = collectErrors(page);
  const requests: string[] = [];
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file://')) return route.continue();
    requests.push(url);
    return route.abort();
  });
  await page.goto(`file://${file}`);
  await page.waitForFunction('document.documentElement.getAttribute("data-charts-rendered") !== null', undefined, { timeout: 10_000 });
  return { page, errors, requests };
}

function cells(page: Page, tableId: string, col: number): Promise<string[]> {
  return page.$$eval(`#${tableId} tbody tr`, (rows, c) => rows.map((r) => (r as unknown as { cells: ArrayLike<{ textContent: string | null }> }).cells[c].textContent ?? ''), col);
}

test('the report of a SYN scan capture opens offline, draws every chart with its data, and names the scanner', { timeout: 120_000 }, async () => {
  const html = join(dir, 'synscan.html');
  const r = run(['report', SYNSCAN, '--html', html, '-q']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /synscan\.html: 2,011 packets, 1 alerts, 1 incidents, 2 flagged hosts/);
  const { page, errors, requests } = await openOffline(html);
  try {
    assert.equal(await page.getAttribute('html', 'data-charts-rendered'), '7');
    // Every chart is an SVG with drawn marks: lines, bars, pie sectors or scatter points.
    for (const id of ['traffic', 'alerts', 'protocols', 'sources', 'destinations', 'services', 'source-ports']) {
      const marks = await page.$$eval(`#chart-${id} svg path`, (ps) => ps.filter((p) => (p.getAttribute('d') ?? '').length > 10).length);
      assert.ok(marks >= 2, `chart ${id} has ${marks} drawn paths`);
    }
    // The traffic line passes through one point per second of the 22 s capture.
    const trafficText = await page.textContent('#chart-traffic');
    assert.match(trafficText ?? '', /Traffic per second/);
    assert.match((await page.textContent('#chart-sources')) ?? '', /172\.16\.0\.8/);
    // The incident is a band on the alert timeline, from its first to its last trigger.
    const charts = JSON.parse((await page.textContent('#nw-charts')) ?? '[]') as { id: string; option: { series: { name: string; data: { coords?: [number, string][] }[] }[] } }[];
    const bands = charts.find((c) => c.id === 'alerts')!.option.series.find((x) => x.name === 'incidents')!.data;
    assert.equal(bands.length, 1);
    assert.equal(bands[0].coords![0][1], 'port_scan');
    assert.ok(bands[0].coords![1][0] > bands[0].coords![0][0]);
    assert.deepEqual(await cells(page, 'alerts-table', 2), ['port_scan']);
    assert.match((await cells(page, 'alerts-table', 3))[0], /SYN scan of 64\.13\.134\.52 from 172\.16\.0\.8/);
    assert.deepEqual(await cells(page, 'hosts-table', 0), ['172.16.0.8', '64.13.134.52']);
    assert.deepEqual(await cells(page, 'hosts-table', 2), ['attacker', 'victim']);
    // Sorting: the score column ascending, then descending.
    await page.click('#hosts-table th:nth-child(2)');
    assert.deepEqual(await cells(page, 'hosts-table', 0), ['64.13.134.52', '172.16.0.8']);
    await page.click('#hosts-table th:nth-child(2)');
    assert.deepEqual(await cells(page, 'hosts-table', 0), ['172.16.0.8', '64.13.134.52']);
    assert.deepEqual(requests, [], 'the report asked the network for something');
    assert.deepEqual(errors, []);
    updateReadmeImage(await screenshot(page, 'report'), 'report');
  } finally {
    await page.context().close();
  }
});

test('names from the traffic that carry <script> and onerror markup are shown as text and run nothing', { timeout: 60_000 }, async () => {
  // DNS queries whose first label is markup: the dns_tunnel alert's evidence quotes one of them.
  // No spaces (a DNS name shows them as \032): '/' separates the attributes, as browsers allow.
  const payload = '<img/src=x/onerror=__xss=1><script>__xss=2</script>';
  const packets: PcapPacket[] = [];
  for (let i = 0; i < 40; i++) {
    packets.push({ sec: 1_700_000_000 + i, frac: 0, data: ipv4Udp(ip('10.9.0.5'), ip('10.9.0.53'), 40000 + i, 53, dnsQuery(`q${i}${payload}.t.example.com`, 16)) });
  }
  const pcap = join(dir, 'hostile.pcap');
  writeFileSync(pcap, pcapFile(packets));
  const html = join(dir, 'hostile.html');
  const r = run(['report', pcap, '--html', html, '-q']);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(!readFileSync(html, 'utf8').includes('<img/src=x'), 'markup reached the file unescaped');
  const { page, errors } = await openOffline(html);
  try {
    const evidence = await cells(page, 'alerts-table', 8);
    assert.ok(evidence.length >= 1);
    assert.ok(evidence.some((e) => e.includes(payload)), evidence.join('\n'));
    assert.equal(await page.evaluate(() => (globalThis as { __xss?: number }).__xss), undefined);
    assert.equal(await page.$$eval('img', (imgs) => imgs.length), 0);
    assert.deepEqual(errors, []);
    await screenshot(page, 'report-hostile-names');
  } finally {
    await page.context().close();
  }
});

test('--png writes each main chart as a real PNG image', { timeout: 60_000 }, () => {
  const out = join(dir, 'png');
  const r = run(['report', SSHGUESS, '--png', out, '-q']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /7 charts \(traffic\.png, alerts\.png, protocols\.png, sources\.png, destinations\.png, services\.png, source-ports\.png\)/);
  assert.deepEqual(readdirSync(out).sort(), ['alerts.png', 'destinations.png', 'protocols.png', 'services.png', 'source-ports.png', 'sources.png', 'traffic.png']);
  for (const f of readdirSync(out)) {
    const b = readFileSync(join(out, f));
    assert.deepEqual([...b.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], f);
    assert.equal(b.toString('latin1', 12, 16), 'IHDR');
    assert.deepEqual([b.readUInt32BE(16), b.readUInt32BE(20)], [1000, 400], f);
    // A blank 1000x400 image compresses to about 2 KB; drawn axes, labels and data take far more.
    assert.ok(b.length > 8000, `${f} is only ${b.length} bytes`);
  }
});

test('a database report covers the range asked for, and its counts equal the alert table', { timeout: 120_000 }, () => {
  const db = join(dir, 'two.db');
  for (const f of [SYNSCAN, SSHGUESS]) {
    const a = run(['analyze', f, '--db', db, '-q', '--summary', 'none']);
    assert.equal(a.status, 0, a.stderr);
  }
  const all = join(dir, 'all.html');
  const r = run(['report', '--db', db, '--html', all]);
  assert.equal(r.status, 0, r.stderr);
  const count = (since?: string): number => {
    const q = run(['alerts', '--db', db, '--format', 'json', '--limit', '100000', ...(since ? ['--since', since] : [])]);
    assert.equal(q.status, 0, q.stderr);
    return q.stdout.split('\n').filter(Boolean).length;
  };
  const total = count();
  assert.ok(total >= 2);
  assert.match(r.stdout, new RegExp(`all\\.html: 2,442 packets, ${total} alerts`));
  // The two captures are a year apart: the minutes fold into buckets of whole multiples of the bucket
  // length, at most 720 of them, and no packet is lost in the folding.
  const handle = new Database(db, { readonly: true });
  try {
    const data = reportFromDatabase(handle, { title: 't', weights: DETECTION_DEFAULTS.threatScore });
    assert.ok(data.bucketSec > 86400, String(data.bucketSec));
    assert.ok(data.timeline.length >= 2 && data.timeline.length <= 720, String(data.timeline.length));
    for (const p of data.timeline) assert.equal(p.t % data.bucketSec, 0, `point at ${p.t} is not on a ${data.bucketSec} s bucket`);
    assert.equal(data.timeline.reduce((a, p) => a + p.packets, 0), 2442);
  } finally {
    handle.close();
  }
  // The SYN scan is from 2010 and the SSH guessing from 2011: since 2011 leaves the second alone.
  const later = join(dir, 'later.html');
  const r2 = run(['report', '--db', db, '--since', '2011-01-01T00:00:00Z', '--html', later]);
  assert.equal(r2.status, 0, r2.stderr);
  const laterCount = count('2011-01-01T00:00:00Z');
  assert.ok(laterCount >= 1 && laterCount < total);
  assert.match(r2.stdout, new RegExp(`later\\.html: 431 packets, ${laterCount} alerts`));
  const text = readFileSync(later, 'utf8');
  assert.ok(!text.includes('64.13.134.52'), 'the 2010 scan leaked into a report since 2011');
  assert.match(text, /brute_force/);
  const none = run(['report', '--db', db, '--since', '2030-01-01T00:00:00Z', '--html', join(dir, 'none.html')]);
  assert.equal(none.status, 0, none.stderr);
  assert.match(none.stdout, /0 packets, 0 alerts/);
  assert.match(none.stderr, /nothing to report in this range/);
});

test('a capture report kept in a database counts its own run only; a range inside a minute shows that minute; decayed hosts are noted', { timeout: 120_000 }, () => {
  const db = join(dir, 'kept.db');
  // The second report of the same file into the same database read 4,022 packets and 2 alerts: the
  // report chose rows by the run's time span, which the first run shares.
  for (const name of ['k1.html', 'k2.html']) {
    const r = run(['report', SYNSCAN, '--db', db, '--html', join(dir, name), '-q']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /: 2,011 packets, 1 alerts, 1 incidents, 2 flagged hosts/);
  }
  // The header gives the first and last packet, as capinfos does (20:24:16.274870 to 20:24:39.360213): it
  // gave the chart's bucket edges, "20:24:16Z to 20:24:40Z (24 s)", an hour past the end for long files.
  assert.match(readFileSync(join(dir, 'k1.html'), 'utf8'), /<p class="sub">2010-07-04 20:24:16Z to 2010-07-04 20:24:39Z \(23 s\)/);
  // Statistics are per minute: a range inside 20:24 shows that minute (both runs), as netwatch stats does; it showed 0 packets.
  const sub = run(['report', '--db', db, '--since', '2010-07-04T20:24:20Z', '--until', '2010-07-04T20:24:25Z', '--html', join(dir, 'sub.html')]);
  assert.equal(sub.status, 0, sub.stderr);
  assert.match(sub.stdout, /sub\.html: 4,022 packets, 0 alerts, 2 incidents/);
  assert.doesNotMatch(sub.stderr, /nothing to report/);
  // ARP poisoning twelve days later: against its alerts the scan's have decayed to a score of 0.0.
  const arp = run(['analyze', join(CORPUS, 'attack', 'arp-spoof', 'ppa_arppoison.pcapng'), '--db', db, '-q', '--summary', 'none']);
  assert.equal(arp.status, 0, arp.stderr);
  const hostsOf = (file: string): string => /<section id="hosts">([\s\S]*?)<\/section>/.exec(readFileSync(join(dir, file), 'utf8'))?.[1] ?? '';
  const july = run(['report', '--db', db, '--since', '2010-07-01', '--until', '2010-08-01', '--html', join(dir, 'july.html')]);
  assert.equal(july.status, 0, july.stderr);
  assert.match(july.stderr, /^netwatch: note: 2 more hosts named by alerts score 0\.0: .* --no-decay weighs every alert in full\n$/);
  assert.doesNotMatch(hostsOf('july.html'), />172\.16\.0\.8</);
  assert.match(hostsOf('july.html'), /2 more hosts named by alerts in this report scored 0\.0/);
  const full = run(['report', '--db', db, '--since', '2010-07-01', '--until', '2010-08-01', '--no-decay', '--html', join(dir, 'full.html')]);
  assert.equal(full.status, 0, full.stderr);
  assert.equal(full.stderr, '');
  assert.match(full.stdout, /full\.html: [\d,]+ packets, 4 alerts, 4 incidents, 5 flagged hosts/);
  assert.match(hostsOf('full.html'), />172\.16\.0\.8</);
});

test('usage errors are one line with exit code 2', () => {
  const cases: [string[], RegExp][] = [
    [['report', SYNSCAN], /--html FILE and\/or --png DIR/],
    [['report', SYNSCAN, '--html', 'x.html', '--since', '1h'], /--since and --until select from a database/],
    [['report', '--db', join(dir, 'missing.db'), '--html', 'x.html'], /no database at .*missing\.db/],
    [['report', '--db', join(dir, 'two.db'), '--html', 'x.html', '--since', 'yesterdayish'], /--since yesterdayish: not a duration/],
    // A day that does not exist once rolled over to 2 March.
    [['report', '--db', join(dir, 'two.db'), '--html', 'x.html', '--since', '2021-02-30'], /--since 2021-02-30: not a duration/],
    [['report', SYNSCAN, '--html', 'x.html', '--max-rows', '0'], /--max-rows/],
    [['report', SYNSCAN, '--html', ''], /--html needs a file name/],
    // A file where the chart directory should be is refused before the HTML is written.
    [['report', SYNSCAN, '--html', join(dir, 'not-written.html'), '--png', SYNSCAN], /--png .*ppa_synscan\.pcapng: is a file; --png names a directory/],
    // Chart directories mkdir cannot make were found only after the whole analysis (EEXIST, ENOTDIR, ENOENT; exit 1).
    [['report', SYNSCAN, '--html', join(dir, 'not-written.html'), '--png', join(dir, 'not-written.html')], /--png .*not-written\.html: is the --html file/],
    [['report', SYNSCAN, '--html', join(dir, 'not-written.html'), '--png', join(SYNSCAN, 'charts')],
      /--png .*ppa_synscan\.pcapng\/charts: .*ppa_synscan\.pcapng is a file; --png names a directory/],
    [['report', SYNSCAN, '--html', join(dir, 'not-written.html'), '--png', join(dir, 'dangling')], /--png .*dangling: a symbolic link to nothing/],
  ];
  symlinkSync(join(dir, 'nowhere'), join(dir, 'dangling'));
  for (const [args, msg] of cases) {
    const r = run(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, msg);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
  assert.equal(existsSync(join(dir, 'not-written.html')), false);
  const missing = run(['report', join(dir, 'nope.pcap'), '--html', 'x.html']);
  assert.notEqual(missing.status, 0);
  assert.match(missing.stderr, /nope\.pcap/);
});
