// ARP spoofing: an IP address claimed by a new MAC, one MAC claiming several IP addresses, and a flow
// whose next-hop MAC switches to a MAC that has just made ARP claims (the gateway taken over mid-flow).

import type { DetectionConfig } from '../config/detection-defaults.js';
import { ipv4ToString, macToString } from '../decode/address-format.js';
import { L3_ARP } from '../decode/packet-record.js';
import { ipProtocolName } from '../decode/protocol-names.js';
import { wordsToString } from '../track/address-key.js';
import { type Detector, type PacketContext } from './detector.js';

interface Binding { mac: number; t: number }
interface Claims { ips: number[]; t: number }

/** Tables keyed by traffic are bounded: the least recently updated entry goes first. */
const MAX_ENTRIES = 65536;

function macNumber(b: Uint8Array, off: number): number {
  return ((b[off] << 8) | b[off + 1]) * 4294967296 + (((b[off + 2] << 24) | (b[off + 3] << 16) | (b[off + 4] << 8) | b[off + 5]) >>> 0);
}

function macText(m: number): string {
  const b = new Uint8Array(6);
  let x = m;
  for (let i = 5; i >= 0; i--) { b[i] = x % 256; x = Math.floor(x / 256); }
  return macToString(b, 0);
}

function setBounded<K, V>(m: Map<K, V>, k: K, v: V): void {
  m.delete(k);
  m.set(k, v);
  if (m.size > MAX_ENTRIES) m.delete(m.keys().next().value as K);
}

export class ArpSpoofDetector implements Detector {
  readonly name = 'arp_spoof' as const;
  private cfg: DetectionConfig['arpSpoof'];
  private readonly ipToMac = new Map<number, Binding>();
  private readonly macClaims = new Map<number, Claims>();

  constructor(cfg: DetectionConfig['arpSpoof']) {
    this.cfg = cfg;
  }
  /** SIGHUP: new thresholds; tables and their contents stay. */
  configure(all: DetectionConfig): void {
    this.cfg = all.arpSpoof;
  }


  packet(c: PacketContext): void {
    const rec = c.rec;
    if (rec.l3 === L3_ARP) {
      if (rec.arpShaOffset >= 0 && rec.arpSpa !== 0) this.arp(c);
      return;
    }
    if (c.flows.lastNextHopChanged && c.flowSlot >= 0) this.nextHop(c);
  }

  private arp(c: PacketContext): void {
    const rec = c.rec;
    const t = c.t;
    const mac = macNumber(rec.data, rec.arpShaOffset);
    const ip = rec.arpSpa;
    const memory = this.cfg.claimMemorySec;
    const prev = this.ipToMac.get(ip);
    if (prev !== undefined && prev.mac !== mac && t - prev.t < memory) {
      const claimed = ipv4ToString(ip);
      c.hub.raise({
        detector: this.name, variant: 1,
        detail: `${claimed} claimed by ${macText(mac)}, was ${macText(prev.mac)}`,
        key: `arp_spoof|${macText(mac)}|${claimed}`,
        src: claimed, dst: ipv4ToString(rec.arpTpa), proto: 'ARP',
        score: 1, threshold: 1,
        evidence: { attacker_mac: macText(mac), claimed_ip: claimed, previous_mac: macText(prev.mac), arp_op: rec.arpOp, target_ip: ipv4ToString(rec.arpTpa) },
        window: `${memory}s`,
      }, t);
    }
    // The usual case, a binding seen again, updates in place: nothing is allocated per ARP packet.
    if (prev !== undefined && prev.mac === mac) prev.t = t;
    else setBounded(this.ipToMac, ip, { mac, t });
    const claims = this.macClaims.get(mac);
    if (claims === undefined || t - claims.t >= memory) {
      setBounded(this.macClaims, mac, { ips: [ip], t });
      return;
    }
    claims.t = t;
    if (claims.ips.includes(ip)) return;
    if (claims.ips.length < 8) claims.ips.push(ip);
    const ips = claims.ips.map(ipv4ToString);
    c.hub.raise({
      detector: this.name, variant: 2,
      detail: `${macText(mac)} claims ${ips.join(' and ')}`,
      key: `arp_spoof|${macText(mac)}|multi`,
      src: ipv4ToString(ip), dst: ipv4ToString(rec.arpTpa), proto: 'ARP',
      score: ips.length / 2, threshold: 2,
      evidence: { attacker_mac: macText(mac), claimed_ips: ips, latest_claim: ipv4ToString(ip), target_ip: ipv4ToString(rec.arpTpa) },
      window: `${memory}s`,
    }, t);
  }

  private nextHop(c: PacketContext): void {
    const flows = c.flows;
    const s = c.flowSlot;
    const mac = flows.nextHopMac(s, c.fromOrig ? 0 : 1);
    const claims = this.macClaims.get(mac);
    if (claims === undefined || c.t - claims.t >= this.cfg.claimMemorySec) return;
    const oldMac = flows.lastPrevMacHi * 4294967296 + flows.lastPrevMacLo;
    const victim = wordsToString(flows.addrs, flows.origAddrOffset(s));
    const remote = wordsToString(flows.addrs, flows.respAddrOffset(s));
    const claimed = claims.ips.map(ipv4ToString);
    c.hub.raise({
      detector: this.name, variant: 3,
      detail: `traffic between ${victim} and ${remote} now passes ${macText(mac)} (was ${macText(oldMac)}), which claimed ${claimed.join(', ')}`,
      key: `arp_spoof|${macText(mac)}|mitm|${victim}`,
      src: claimed[claimed.length - 1], dst: victim, proto: ipProtocolName(flows.proto(s)),
      communityId: flows.communityId(s),
      score: 1, threshold: 1,
      evidence: { attacker_mac: macText(mac), previous_mac: macText(oldMac), claimed_ips: claimed, victim_ip: victim, remote_ip: remote },
      window: `${this.cfg.claimMemorySec}s`,
    }, c.t);
  }
}
