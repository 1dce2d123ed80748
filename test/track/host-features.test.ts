// A host window's features: ICMP destination unreachable received (what a UDP scan of closed ports gets
// back) counts for the host it is sent to, other ICMP does not; the connection features read the TCP
// connections a host opened as they close.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extract } from '../../eval/model-eval.js';
import { FEATURE_INDEX as F } from '../../src/detect/feature-set.js';
import { CORPUS } from '../support/corpus.js';
import { ip, ipv4Icmp, ipv4Udp, pcapFile, type PcapPacket } from '../support/frame-builder.js';

const dir = mkdtempSync(join(tmpdir(), 'nw-hostfeat-'));
const A = ip('10.77.0.5');
const B = ip('10.77.0.22');
const t0 = 1_700_000_010; // a multiple of 30: a window starts here

test('unreach_in counts the ICMP port unreachables a UDP prober gets back, not echo replies', async () => {
  const packets: PcapPacket[] = [];
  for (let i = 0; i < 40; i++) {
    packets.push({ sec: t0 + Math.floor(i / 4), frac: (i % 4) * 100_000, data: ipv4Udp(A, B, 50000, 1000 + i, Buffer.alloc(0)) });
    // B answers 30 of the probes with port unreachable (type 3, code 3).
    if (i < 30) packets.push({ sec: t0 + Math.floor(i / 4), frac: (i % 4) * 100_000 + 500, data: ipv4Icmp(B, A, 3, 3) });
  }
  // Echo requests and replies the other way: ICMP, but not unreachables.
  for (let i = 0; i < 5; i++) {
    packets.push({ sec: t0 + 20 + i, frac: 0, data: ipv4Icmp(A, B, 8, 0) });
    packets.push({ sec: t0 + 20 + i, frac: 1000, data: ipv4Icmp(B, A, 0, 0) });
  }
  const file = join(dir, 'udp-probe.pcap');
  writeFileSync(file, pcapFile(packets));
  const e = await extract(file, { windowSec: 30, minPackets: 5 });
  const row = (host: string) => e.rows[e.hosts.findIndex((h, i) => h === host && e.starts[i] === t0)];
  assert.equal(row('10.77.0.5')[F.unreach_in], 30);
  assert.equal(row('10.77.0.22')[F.unreach_in], 0);
  // Distinct ports are a linear-counting estimate.
  assert.ok(Math.abs(row('10.77.0.5')[F.unique_dst_ports] - 40) <= 2);
});

test('the connection features read each closed TCP connection a host opened, like conn.log rows (sshguess)', async () => {
  // CATALOG.md: 192.168.56.1 -> 192.168.56.103:22, 11 SSH connections of nearly the same size and length,
  // all in one hour-long window.
  const e = await extract(join(CORPUS, 'attack/bruteforce/zeek_ssh_sshguess.pcap'), { windowSec: 3600, minPackets: 5 });
  const i = e.hosts.indexOf('192.168.56.1');
  assert.ok(i >= 0);
  const r = e.rows[i];
  assert.equal(r[F.closed_conns], 11);
  // 7.4-8.3 KB and 3.5-10 s each (frame bytes both ways): one guess looks like the next.
  assert.ok(r[F.conn_bytes_mean] > 7000 && r[F.conn_bytes_mean] < 9000, String(r[F.conn_bytes_mean]));
  assert.ok(r[F.conn_dur_mean] > 3 && r[F.conn_dur_mean] < 10, String(r[F.conn_dur_mean]));
  assert.ok(r[F.conn_bytes_spread] > 0 && r[F.conn_bytes_spread] < 0.1, String(r[F.conn_bytes_spread]));
  // Each guess after the first is the size of the one before.
  assert.equal(r[F.repeat_conns], 10);
  // The server opened nothing: its connection features are 0.
  const s = e.rows[e.hosts.indexOf('192.168.56.103')];
  assert.equal(s[F.closed_conns], 0);
  assert.equal(s[F.conn_bytes_mean], 0);
});

test('repeat_conns counts a closed connection the size of the one before: every FTP guess, half of a web client\'s', async () => {
  // CATALOG.md: 192.168.56.1 guesses FTP logins on 192.168.56.101, 30 connections of the same size.
  const ftp = await extract(join(CORPUS, 'attack/bruteforce/zeek_ftp_bruteforce.pcap'), { windowSec: 3600, minPackets: 5 });
  const g = ftp.rows[ftp.hosts.indexOf('192.168.56.1')];
  assert.equal(g[F.closed_conns], 30);
  assert.equal(g[F.repeat_conns], 29);
  // A browser fetching pages and images: its connections differ in size, and only some follow one alike.
  const web = await extract(join(CORPUS, 'benign/pcapplusplus_example_web.pcap'), { windowSec: 3600, minPackets: 5 });
  const c = web.rows[web.hosts.indexOf('10.0.0.6')];
  assert.equal(c[F.closed_conns], 11);
  assert.equal(c[F.repeat_conns], 5);
  assert.ok(c[F.conn_bytes_spread] > 0.5, String(c[F.conn_bytes_spread]));
});

test('unanswered SYNs and unsolicited SYN-ACKs received: what a flood or reflection victim gets and a served client does not', async () => {
  // CATALOG.md: SYN / SYN-ACK reflection onto 10.10.10.10, 896 packets over 818 s, nothing sent back.
  const amp = await extract(join(CORPUS, 'attack/dos/stopddos_amp.TCP.syn.optionallyACK.optionallysamePort.pcapng'), { windowSec: 3600, minPackets: 5 });
  const v = amp.rows[amp.hosts.indexOf('10.10.10.10')];
  assert.equal(v[F.packets_in], 896);
  assert.equal(v[F.unsolicited_synacks_in], 542); // tshark: 542 SYN-ACKs to it, no SYN from it
  assert.equal(v[F.unanswered_syns_in], 354); // 344 SYNs and 10 with ECN flags, none answered
  // sshguess: every SYN is answered by a SYN-ACK, every SYN-ACK follows the client's SYN.
  const ssh = await extract(join(CORPUS, 'attack/bruteforce/zeek_ssh_sshguess.pcap'), { windowSec: 3600, minPackets: 5 });
  for (const h of ['192.168.56.1', '192.168.56.103']) {
    const r = ssh.rows[ssh.hosts.indexOf(h)];
    assert.equal(r[F.unanswered_syns_in], 0, h);
    assert.equal(r[F.unsolicited_synacks_in], 0, h);
  }
});

test('auth_conns_out counts the SYNs a host sends to an authentication service: every guess, none of a web client\'s', async () => {
  // CATALOG.md: 11 SSH logins (sshguess) and 30 FTP logins (ftp_bruteforce) from 192.168.56.1.
  const ssh = await extract(join(CORPUS, 'attack/bruteforce/zeek_ssh_sshguess.pcap'), { windowSec: 3600, minPackets: 5 });
  const g = ssh.rows[ssh.hosts.indexOf('192.168.56.1')];
  assert.equal(g[F.auth_conns_out], g[F.conns_out]);
  assert.equal(g[F.auth_conns_out], 11);
  const ftp = await extract(join(CORPUS, 'attack/bruteforce/zeek_ftp_bruteforce.pcap'), { windowSec: 3600, minPackets: 5 });
  assert.equal(ftp.rows[ftp.hosts.indexOf('192.168.56.1')][F.auth_conns_out], 30);
  // The server answers (SYN-ACK): it opened nothing.
  assert.equal(ssh.rows[ssh.hosts.indexOf('192.168.56.103')][F.auth_conns_out], 0);
  // A browser's connections go to web ports.
  const web = await extract(join(CORPUS, 'benign/pcapplusplus_example_web.pcap'), { windowSec: 3600, minPackets: 5 });
  const c = web.rows[web.hosts.indexOf('10.0.0.6')];
  assert.ok(c[F.conns_out] > 50, String(c[F.conns_out]));
  assert.equal(c[F.auth_conns_out], 0);
});
