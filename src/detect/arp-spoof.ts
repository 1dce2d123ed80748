// ARP spoofing: an IP address claimed by a new MAC, one MAC claiming several IP addresses one of which it
// took over, and a flow whose next-hop MAC switches to a MAC that has just made ARP claims (the gateway
// taken over mid-flow). An address is bound per layer-2 segment (the outer VLAN, and the VNI of a VXLAN or
// Geneve overlay): a trunk's VLANs and an overlay's tenants may each have their own 10.0.0.1.

import type { DetectionConfig } from '../config/detection-defaults.js';
import { ipv4ToString, macToString } from '../decode/address-format.js';
import { IPPROTO_TCP, IPPROTO_UDP, L3_ARP } from '../decode/packet-record.js';
import { eveProtocolName } from '../decode/protocol-names.js';
import { wordsToString } from '../track/address-key.js';
import { type Detector, flowOf, type PacketContext } from './detector.js';

interface Binding { mac: number; t: number }
/**
 * The IPs one MAC claimed, and for each whether it was contested: bound to another MAC when claimed, or
 * claimed before the MAC took over flows' next hop. An uncontested claim is taken as the MAC's own address.
 */
interface Claims { ips: number[]; contested: boolean[]; t: number }

/** Tables keyed by traffic are bounded: the least recently updated entry goes first. */
const MAX_ENTRIES = 65536;
/** Segments numbered; beyond this many, further ones share segment 0 with untagged traffic. */
const MAX_SEGMENTS = 1 << 20;
const TWO_32 = 4294967296;

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

/** The segment of an ARP alert, for its evidence: the VLAN and overlay VNI, each only when there is one. */
function segmentEvidence(vlan: number, vni: number): { vlan?: number; vni?: number } {
  return { ...(vlan > 0 ? { vlan } : {}), ...(vni >= 0 ? { vni } : {}) };
}

/** " in VLAN 10", " in VNI 5001", " in VLAN 10 VNI 5001", or nothing: where the claim was made. */
function segmentText(vlan: number, vni: number): string {
  if (vlan <= 0 && vni < 0) return '';
  return ` in${vlan > 0 ? ` VLAN ${vlan}` : ''}${vni >= 0 ? ` VNI ${vni}` : ''}`;
}

/**
 * The MAC's own address: its one uncontested claim when it also made contested ones, else null (a host
 * with several addresses of its own, or a spoofer whose own address has not been seen, is not guessed at).
 */
function ownAddress(claims: Claims): string | null {
  let own = -1;
  let spoofed = 0;
  for (let i = 0; i < claims.ips.length; i++) {
    if (claims.contested[i]) spoofed++;
    else if (own < 0) own = i;
    else return null;
  }
  return own >= 0 && spoofed > 0 ? ipv4ToString(claims.ips[own]) : null;
}

export class ArpSpoofDetector implements Detector {
  readonly name = 'arp_spoof' as const;
  private cfg: DetectionConfig['arpSpoof'];
  /** Keyed by segment number * 2^32 + IPv4 address. */
  private readonly ipToMac = new Map<number, Binding>();
  private readonly macClaims = new Map<number, Claims>();
  /** Segment number by (VLAN + 1) * 2^24 + VNI + 1; untagged traffic outside overlays is segment 0. */
  private readonly segments = new Map<number, number>([[0, 0]]);

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
    const bound = this.segmentOf(rec.vlanId, rec.vni) * TWO_32 + ip;
    const prev = this.ipToMac.get(bound);
    const contested = prev !== undefined && prev.mac !== mac;
    // The usual case, a binding seen again, updates in place: nothing is allocated per ARP packet.
    if (prev !== undefined && prev.mac === mac) prev.t = t;
    else setBounded(this.ipToMac, bound, { mac, t });
    // The MAC's claims first, so an alert on this one already knows the MAC's own address if it shows.
    let claims = this.macClaims.get(mac);
    let added = false;
    if (claims === undefined || t - claims.t >= memory) {
      claims = { ips: [ip], contested: [contested], t };
      setBounded(this.macClaims, mac, claims);
    } else {
      claims.t = t;
      const at = claims.ips.indexOf(ip);
      if (at >= 0) {
        if (contested) claims.contested[at] = true;
      } else if (claims.ips.length < 8) {
        claims.ips.push(ip);
        claims.contested.push(contested);
        added = true;
      }
    }
    const reclaimed = contested && t - prev.t < memory;
    if (!reclaimed && !added) return;
    // Only for an alert: the address is a string.
    const own = ownAddress(claims);
    const where = segmentText(rec.vlanId, rec.vni);
    if (reclaimed) {
      const claimed = ipv4ToString(ip);
      c.hub.raise({
        detector: this.name, variant: 1,
        detail: `${claimed} claimed by ${macText(mac)}${own === null ? '' : ` (${own})`}, was ${macText(prev.mac)}${where}`,
        key: `arp_spoof|${macText(mac)}|${claimed}${where}`,
        src: own ?? claimed, dst: ipv4ToString(rec.arpTpa), proto: 'ARP',
        score: 1, threshold: 1,
        evidence: {
          attacker_mac: macText(mac), ...(own === null ? {} : { attacker_ip: own }), claimed_ip: claimed, previous_mac: macText(prev.mac), arp_op: rec.arpOp,
          target_ip: ipv4ToString(rec.arpTpa), ...segmentEvidence(rec.vlanId, rec.vni),
        },
        window: `${memory}s`,
      }, t);
    }
    // Several addresses on one MAC alone are ordinary (secondary addresses, aliases, a router's
    // sub-interfaces): the MAC is suspect only once one of its claims was contested.
    if (!added || !claims.contested.includes(true)) return;
    // When some claims were contested and one was not, the MAC is an attacker whose own address is the
    // uncontested one: the alert names it as source and the first address it took over as destination.
    const held: Claims = claims;
    const ips = held.ips.map(ipv4ToString);
    const spoofed = held.ips.filter((_, i) => held.contested[i]).map(ipv4ToString);
    c.hub.raise({
      detector: this.name, variant: 2,
      detail: own !== null
        ? `${macText(mac)} (${own}) claims ${ips.join(' and ')}, taking over ${spoofed.join(' and ')}${where}`
        : `${macText(mac)} claims ${ips.join(' and ')}${where}`,
      key: `arp_spoof|${macText(mac)}|multi`,
      src: own ?? ipv4ToString(ip), dst: own !== null ? spoofed[0] : ipv4ToString(rec.arpTpa), proto: 'ARP',
      score: ips.length / 2, threshold: 2,
      evidence: {
        attacker_mac: macText(mac), ...(own === null ? {} : { attacker_ip: own, spoofed_ips: spoofed }),
        claimed_ips: ips, latest_claim: ipv4ToString(ip), target_ip: ipv4ToString(rec.arpTpa), ...segmentEvidence(rec.vlanId, rec.vni),
      },
      window: `${memory}s`,
    }, t);
  }

  /** The number of the segment of a frame with this outer VLAN (-1: none) and overlay VNI (-1: none). */
  private segmentOf(vlan: number, vni: number): number {
    // VLAN ID 0 is a priority tag (802.1p), not a VLAN: the frame is in the untagged segment.
    const key = (vlan > 0 ? vlan + 1 : 0) * 16777216 + vni + 1;
    const n = this.segments.get(key);
    if (n !== undefined) return n;
    if (this.segments.size >= MAX_SEGMENTS) return 0;
    const m = this.segments.size;
    this.segments.set(key, m);
    return m;
  }

  private nextHop(c: PacketContext): void {
    const flows = c.flows;
    const s = c.flowSlot;
    const mac = flows.nextHopMac(s, c.fromOrig ? 0 : 1);
    const claims = this.macClaims.get(mac);
    if (claims === undefined || c.t - claims.t >= this.cfg.claimMemorySec) return;
    const oldMac = flows.lastPrevMacHi * 4294967296 + flows.lastPrevMacLo;
    // A MAC that made one claim and then took over the next hop impersonates that address.
    if (claims.ips.length === 1) claims.contested[0] = true;
    const victim = wordsToString(flows.addrs, flows.origAddrOffset(s));
    const remote = wordsToString(flows.addrs, flows.respAddrOffset(s));
    const claimed = claims.ips.map(ipv4ToString);
    const own = ownAddress(claims);
    // The alert's addresses are the attacker's and the victim's, an ARP matter; the flow that showed the
    // redirection is in the evidence, not in the alert's flow_id and community_id: in EVE those belong to
    // the alert's own addresses and ports, and a tool that joins or recomputes them would find another flow.
    const p = flows.proto(s);
    const ports = p === IPPROTO_TCP || p === IPPROTO_UDP ? { src_port: flows.origPort(s), dest_port: flows.respPort(s) } : {};
    const fl = flowOf(flows, s);
    const redirected = {
      ...(fl.flowId !== undefined ? { flow_id: fl.flowId } : {}), ...(fl.communityId !== undefined ? { community_id: fl.communityId } : {}),
      src_ip: victim, dest_ip: remote, ...ports, proto: eveProtocolName(p),
    };
    c.hub.raise({
      detector: this.name, variant: 3,
      detail: `traffic between ${victim} and ${remote} now passes ${macText(mac)} (was ${macText(oldMac)}), which claimed ${claimed.join(', ')}`,
      key: `arp_spoof|${macText(mac)}|mitm|${victim}`,
      src: own ?? claimed[claimed.length - 1], dst: victim, proto: 'ARP',
      score: 1, threshold: 1,
      evidence: {
        attacker_mac: macText(mac), ...(own === null ? {} : { attacker_ip: own }), previous_mac: macText(oldMac), claimed_ips: claimed,
        victim_ip: victim, remote_ip: remote, redirected_flow: redirected,
      },
      window: `${this.cfg.claimMemorySec}s`,
    }, c.t);
  }
}
