// ARP spoofing on generated captures: the spoofer's own address is named as the alert's source (and
// scored as the attacker) only when its claims show it, one address it took over from another MAC and
// one never contested; a host that answers for several addresses of its own raises nothing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from '../support/corpus.js';
import { ip, pcapFile, type PcapPacket } from '../support/frame-builder.js';

const dir = mkdtempSync(join(tmpdir(), 'nw-arp-'));
const GATEWAY = ip('10.77.0.1');
const VICTIM = ip('10.77.0.7');
const SPOOFER = ip('10.77.0.66');
const GW_MAC = [0x02, 0, 0, 0, 0, 0x01];
const VICTIM_MAC = [0x02, 0, 0, 0, 0, 0x07];
const SPOOFER_MAC = [0x02, 0, 0, 0, 0, 0x66];

/** An ARP reply from `mac`, saying `senderIp` is at `mac`, to the target. */
function arpReply(mac: number[], senderIp: number, targetMac: number[], targetIp: number): Buffer {
  const f = Buffer.alloc(42);
  f.set(targetMac, 0);
  f.set(mac, 6);
  f.writeUInt16BE(0x0806, 12);
  f.writeUInt16BE(1, 14); // Ethernet
  f.writeUInt16BE(0x0800, 16); // IPv4
  f[18] = 6;
  f[19] = 4;
  f.writeUInt16BE(2, 20); // reply
  f.set(mac, 22);
  f.writeUInt32BE(senderIp >>> 0, 28);
  f.set(targetMac, 32);
  f.writeUInt32BE(targetIp >>> 0, 38);
  return f;
}

interface ArpAlert { src_ip: string; dest_ip: string; alert: { signature_id: number }; netwatch: { evidence: { attacker_ip?: string; spoofed_ips?: string[] } } }

function analyze(name: string, frames: Buffer[]): { alerts: ArpAlert[]; db: string } {
  const t0 = 1_700_000_000;
  const file = join(dir, `${name}.pcap`);
  writeFileSync(file, pcapFile(frames.map((data, i): PcapPacket => ({ sec: t0 + i, frac: 0, data }))));
  const db = join(dir, `${name}.db`);
  const r = spawnSync(CLI, ['analyze', file, '--db', db, '--alerts', '-', '--summary', 'none', '-q'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return { alerts: r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as ArpAlert), db };
}

function hostRoles(db: string): Map<string, string> {
  const r = spawnSync(CLI, ['hosts', '--db', db, '--since', '2000-01-01', '--no-store', '--format', 'json'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return new Map(r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { host: string; role: string }).map((h) => [h.host, h.role]));
}

test('a MAC that takes over the gateway and then claims its own address is named, by that address, as the attacker', () => {
  const { alerts, db } = analyze('takeover', [
    arpReply(GW_MAC, GATEWAY, VICTIM_MAC, VICTIM),
    arpReply(SPOOFER_MAC, GATEWAY, VICTIM_MAC, VICTIM), // the gateway's address, claimed by another MAC
    arpReply(SPOOFER_MAC, SPOOFER, VICTIM_MAC, VICTIM), // the spoofer's own address, never contested
  ]);
  assert.deepEqual(alerts.map((a) => a.alert.signature_id), [9101301, 9101302]);
  const [claim, multi] = alerts;
  // When the gateway's address is claimed, the spoofer's own address is not known yet.
  assert.equal(claim.src_ip, '10.77.0.1');
  assert.equal(claim.netwatch.evidence.attacker_ip, undefined);
  assert.equal(multi.src_ip, '10.77.0.66');
  assert.equal(multi.dest_ip, '10.77.0.1');
  assert.equal(multi.netwatch.evidence.attacker_ip, '10.77.0.66');
  assert.deepEqual(multi.netwatch.evidence.spoofed_ips, ['10.77.0.1']);
  const roles = hostRoles(db);
  assert.equal(roles.get('10.77.0.66'), 'attacker');
  assert.equal(roles.get('10.77.0.1'), 'victim');
});

test('a host answering for addresses of its own (secondary addresses, aliases) raises nothing', () => {
  const { alerts, db } = analyze('aliases', [
    arpReply(SPOOFER_MAC, SPOOFER, VICTIM_MAC, VICTIM),
    arpReply(SPOOFER_MAC, ip('10.77.0.67'), VICTIM_MAC, VICTIM),
    arpReply(SPOOFER_MAC, ip('10.77.0.68'), VICTIM_MAC, VICTIM),
    arpReply(GW_MAC, GATEWAY, VICTIM_MAC, VICTIM),
  ]);
  assert.deepEqual(alerts, []);
  assert.equal([...hostRoles(db).values()].includes('attacker'), false);
});

test('a host that announced its own address and then claims the gateway\'s is named as the attacker at once', () => {
  const { alerts } = analyze('announced-first', [
    arpReply(GW_MAC, GATEWAY, VICTIM_MAC, VICTIM),
    arpReply(SPOOFER_MAC, SPOOFER, VICTIM_MAC, VICTIM), // its own address, announced honestly
    arpReply(SPOOFER_MAC, GATEWAY, VICTIM_MAC, VICTIM), // then the gateway's
  ]);
  assert.deepEqual(alerts.map((a) => a.alert.signature_id), [9101301, 9101302]);
  for (const a of alerts) {
    assert.equal(a.src_ip, '10.77.0.66', JSON.stringify(a));
    assert.equal(a.netwatch.evidence.attacker_ip, '10.77.0.66');
  }
  assert.equal(alerts[0].dest_ip, '10.77.0.7');
  assert.equal(alerts[1].dest_ip, '10.77.0.1');
});
