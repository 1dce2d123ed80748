// Services the live tests attack or use, run inside a test namespace and stopped by the test: sshd (key
// logins for root, password tries fail), an HTTP server, and a tiny DNS responder.

import { execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NetnsPair } from './netns.js';

export interface Services {
  dir: string;
  sshKey: string;
  stop(): void;
}

const DNS_RESPONDER = `
const dgram = require('node:dgram');
const s = dgram.createSocket('udp4');
s.on('message', (m, r) => {
  if (m.length < 12) return;
  const a = Buffer.from(m);
  a[2] = 0x81; a[3] = 0x83; // response, recursion desired/available, NXDOMAIN
  s.send(a, r.port, r.address);
});
s.bind(53, process.argv[2]);
`;

export function startServices(net: NetnsPair, children: ChildProcess[]): Services {
  const dir = mkdtempSync(join(tmpdir(), 'nw-svc-'));
  chmodSync(dir, 0o755);
  const key = join(dir, 'id_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
  writeFileSync(join(dir, 'authorized_keys'), execFileSync('cat', [`${key}.pub`]));
  chmodSync(join(dir, 'authorized_keys'), 0o600);
  writeFileSync(join(dir, 'sshd_config'), [
    `ListenAddress ${net.ipA}`, `HostKey ${join(dir, 'host_key')}`, `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'PermitRootLogin prohibit-password', 'PasswordAuthentication yes', 'KbdInteractiveAuthentication no', 'MaxAuthTries 1',
    'MaxStartups 100:30:200', 'UsePAM no', `PidFile ${join(dir, 'sshd.pid')}`, 'StrictModes no', 'LoginGraceTime 10',
  ].join('\n') + '\n');
  execFileSync('mkdir', ['-p', '/run/sshd']);
  children.push(net.spawn(net.nsA, ['/usr/sbin/sshd', '-D', '-f', join(dir, 'sshd_config'), '-E', join(dir, 'sshd.log')], true));
  writeFileSync(join(dir, 'index.html'), '<html><body>netwatch test page</body></html>\n'.repeat(50));
  children.push(net.spawn(net.nsA, ['python3', '-m', 'http.server', '80', '--bind', net.ipA, '--directory', dir], true));
  writeFileSync(join(dir, 'dns.cjs'), DNS_RESPONDER);
  children.push(net.spawn(net.nsA, [process.execPath, join(dir, 'dns.cjs'), net.ipA], true));
  return {
    dir,
    sshKey: key,
    stop: () => { for (const c of children) c.kill('SIGKILL'); },
  };
}

/** Waits until a TCP port answers inside the namespace (bounded). */
export async function waitForPort(net: NetnsPair, ns: string, ip: string, port: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      net.exec(ns, ['bash', '-c', `exec 3<>/dev/tcp/${ip}/${port}`], 2000);
      return;
    } catch {
      if (Date.now() > until) throw new Error(`${ip}:${port} not answering after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
