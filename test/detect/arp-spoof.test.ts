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
import { ip, pcapFile, vxlanHeaders, type PcapPacket } from '../support/frame-builder.js';

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

interface ArpAlert { src_ip: string; dest_ip: string; alert: { signature_id: number; signature: string }; netwatch: { evidence: { attacker_ip?: string; spoofed_ips?: string[]; vlan?: number; vni?: number } } }

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

/** The frame with an 802.1Q tag of the given VLAN after its MAC addresses. */
function vlanTagged(vlan: number, frame: Buffer): Buffer {
  const tag = Buffer.alloc(4);
  tag.writeUInt16BE(0x8100, 0);
  tag.writeUInt16BE(vlan, 2);
  return Buffer.concat([frame.subarray(0, 12), tag, frame.subarray(12)]);
}

/** The frame inside VXLAN with the given VNI. */
function inVxlan(vni: number, frame: Buffer): Buffer {
  return Buffer.concat([vxlanHeaders(vni, frame.length), frame]);
}

test('the same address on two VLANs of a trunk, or two tenants of an overlay, each with its own MAC, is no spoofing', () => {
  // Each segment's gateway 10.77.0.1 answers in turn, as on a trunk SPAN port or a VXLAN underlay mirror.
  const OTHER_GW_MAC = [0x02, 0, 0, 0, 0, 0x02];
  const turns = (wrap: (seg: number, f: Buffer) => Buffer, a: number, b: number): Buffer[] => [0, 1, 2].flatMap(() => [
    wrap(a, arpReply(GW_MAC, GATEWAY, VICTIM_MAC, VICTIM)),
    wrap(b, arpReply(OTHER_GW_MAC, GATEWAY, VICTIM_MAC, VICTIM)),
  ]);
  assert.deepEqual(analyze('two-vlans', turns(vlanTagged, 10, 20)).alerts, []);
  assert.deepEqual(analyze('two-vnis', turns(inVxlan, 100, 200)).alerts, []);
  // One segment seen as two MACs for one address is the spoofing it was: the same frames untagged alert.
  assert.ok(analyze('one-segment', turns((_, f) => f, 0, 0)).alerts.some((a) => a.alert.signature_id === 9101301));
  // VLAN ID 0 is a priority tag (802.1p), not a VLAN: tagged so and untagged frames are one segment.
  assert.ok(analyze('priority-tagged', turns((seg, f) => (seg === 0 ? vlanTagged(0, f) : f), 0, 1)).alerts.some((a) => a.alert.signature_id === 9101301));
});

test('a takeover inside one overlay tenant is raised, naming its VNI; inside one VLAN, its VLAN', () => {
  for (const [name, wrap, where, seg] of [
    ['takeover-vni', (f: Buffer) => inVxlan(100, f), 'in VNI 100', { vni: 100 }],
    ['takeover-vlan', (f: Buffer) => vlanTagged(10, f), 'in VLAN 10', { vlan: 10 }],
  ] as const) {
    const { alerts } = analyze(name, [
      wrap(arpReply(GW_MAC, GATEWAY, VICTIM_MAC, VICTIM)),
      wrap(arpReply(SPOOFER_MAC, GATEWAY, VICTIM_MAC, VICTIM)),
      wrap(arpReply(SPOOFER_MAC, SPOOFER, VICTIM_MAC, VICTIM)),
    ]);
    assert.deepEqual(alerts.map((a) => a.alert.signature_id), [9101301, 9101302], name);
    for (const a of alerts) {
      assert.ok(a.alert.signature.endsWith(where), a.alert.signature);
      const { vlan, vni } = a.netwatch.evidence;
      assert.deepEqual({ vlan, vni }, 'vni' in seg ? { vlan: undefined, vni: seg.vni } : { vlan: seg.vlan, vni: undefined });
    }
    assert.equal(alerts[1].netwatch.evidence.attacker_ip, '10.77.0.66');
  }
});
