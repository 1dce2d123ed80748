// Reflection/amplification: many responses from service ports (DNS, NTP, SNMP, IKE...) or SYN-ACKs
// answering SYNs the victim never sent (its address was spoofed), from many reflectors to one victim.
// A SYN-ACK without a SYN seen is not yet unsolicited: a capture that sees one direction only (asymmetric
// routing, an inbound-only tap) shows every connection of a client that way, followed by the server's data.
// It counts once confirmed: the reflector sends it again on a flow where it has sent nothing else (a
// retransmission, or the answer to a repeated spoofed SYN), or the victim refuses it with a RST.

import type { DetectionConfig } from '../config/detection-defaults.js';
import { FRAG_LATER, IPPROTO_TCP, IPPROTO_UDP, TCP_ACK, TCP_RST, TCP_SYN } from '../decode/packet-record.js';
import { addressItem, writeDst, writeSrc } from '../track/address-key.js';
import { countText } from '../track/linear-count.js';
import { H_ACK, H_DATA, H_FIN, H_RST, H_SYN, H_SYNACK } from '../track/flow-table.js';
import { HB_REFLECTORS, HF_BYTES, HF_FRAGMENTS, HF_REFLECTED, SCALE_10S } from '../track/host-windows.js';
import { WindowTable } from '../track/window-table.js';
import type { PacketClock } from '../track/packet-clock.js';
import { type Detector, dstString, flowOf, type PacketContext, RaiseGate, srcString, windowLabel } from './detector.js';
import { KeptRaises } from './over-threshold-packets.js';

const F_SYNACKS = 0;
const F_REFUSED = 1;
const B_SOURCES = 0;
/** Anything but a SYN-ACK from the reflector's side, or a handshake, data or close from the victim's. */
const REFLECTOR_OTHER = H_SYN | H_ACK | H_DATA | H_FIN | H_RST;
const VICTIM_OTHER = H_SYN | H_SYNACK | H_ACK | H_DATA | H_FIN;

export class ReflectionDetector implements Detector {
  readonly name = 'reflection' as const;
  private cfg: DetectionConfig['reflection'];
  private synAckCfg: DetectionConfig['unsolicitedSynAck'];
  private readonly synAcks: WindowTable;
  private readonly synAckGate: RaiseGate;
  private readonly key = new Uint32Array(4);
  /** Per victim (host-window entry): the UDP raise gate, and the latest reflected packet over the threshold, which the alert names. */
  private readonly victims: KeptRaises;

  constructor(cfg: DetectionConfig['reflection'], synAckCfg: DetectionConfig['unsolicitedSynAck'], hostCapacity: number, clock?: PacketClock) {
    this.cfg = cfg;
    this.synAckCfg = synAckCfg;
    this.victims = new KeptRaises(hostCapacity, (c, d) => this.judgeUdp(c, d));
    this.synAcks = new WindowTable({ capacity: hostCapacity, keyWords: 4, fields: 2, scales: [synAckCfg.windowSec], bitmaps: 1, bitmapBits: 512, clock });
    this.synAckGate = new RaiseGate(hostCapacity);
  }
  /** SIGHUP: new thresholds (the reflector ports are the host windows' and stay as started). */
  configure(all: DetectionConfig): void {
    this.cfg = all.reflection;
    this.synAckCfg = all.unsolicitedSynAck;
  }


  packet(c: PacketContext): void {
    const rec = c.rec;
    if (!c.isIp) return;
    if (rec.ipProto === IPPROTO_UDP && (c.hosts.isReflectorPort(rec.srcPort) || rec.fragment === FRAG_LATER)) this.udp(c);
    else if (rec.ipProto === IPPROTO_TCP && c.flowSlot >= 0) {
      const f = rec.tcpFlags;
      if (!c.fromOrig) {
        if ((f & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK) && this.unsolicited(c) && c.flows.packets(c.flowSlot, 1) >= 2) this.synAck(c, false);
      } else if ((f & TCP_RST) !== 0 && this.unsolicited(c) && c.flows.packets(c.flowSlot, 1) === 1) this.synAck(c, true);
    }
  }

  /**
   * The flow holds SYN-ACKs from the responder and nothing else from it, and from the originator no SYN,
   * no handshake, no data (at most RSTs). The first SYN-ACK is confirmed by a RST (the packet count is 1),
   * each later one by being sent again: every SYN-ACK counts once.
   */
  private unsolicited(c: PacketContext): boolean {
    const s = c.flowSlot;
    return (c.flows.history(s, 1) & (REFLECTOR_OTHER | H_SYNACK)) === H_SYNACK && (c.flows.history(s, 0) & VICTIM_OTHER) === 0;
  }

  private udp(c: PacketContext): void {
    const d = c.hosts.dstSlot;
    if (c.hosts.byDst.value(d, SCALE_10S, HF_REFLECTED, c.t) < this.cfg.minPackets) return;
    this.victims.over(c, d);
  }

  /** Once a second: victims whose raise the gate refused are judged again, so the incident has the latest count. */
  tick(c: PacketContext): void {
    this.victims.drain(c, false);
  }

  /** End of input: the same, with the gate open (a flood over within a second is filed with all it sent). */
  finish(c: PacketContext): void {
    this.victims.drain(c, true);
  }

  private judgeUdp(c: PacketContext, d: number): void {
    const D = c.hosts.byDst;
    const reflected = D.value(d, SCALE_10S, HF_REFLECTED, c.t);
    if (reflected < this.cfg.minPackets) return;
    const reflectors = D.distinctOf(d, SCALE_10S, HB_REFLECTORS, reflected, c.t);
    if (reflectors < this.cfg.minSources || !this.victims.gate.open(d, c.t, c.hub.position)) return;
    const L = this.victims.latest;
    const victim = L.dst(d);
    const bytes = D.value(d, SCALE_10S, HF_BYTES, c.t);
    const fragment = L.laterFragment(d);
    const srcPort = L.srcPort(d);
    const service = fragment ? 'fragmented UDP' : `UDP/${srcPort}`;
    const raised = c.hub.raise({
      detector: this.name,
      variant: 1,
      detail: `${service} responses to ${victim} from ${countText(reflectors, D.bitmapBits)} reflectors`,
      key: `reflection|${victim}`,
      src: L.src(d), dst: victim,
      ...(srcPort >= 0 ? { srcPort, dstPort: L.dstPort(d) } : {}), ...L.flowFields(d),
      proto: 'UDP',
      score: reflected / this.cfg.minPackets,
      threshold: this.cfg.minPackets,
      evidence: {
        reflected_packets: Math.round(reflected), distinct_reflectors: reflectors, service_port: srcPort >= 0 ? srcPort : null,
        fragments: Math.round(D.value(d, SCALE_10S, HF_FRAGMENTS, c.t)), bytes: Math.round(bytes), victim,
      },
      window: windowLabel(10),
    }, c.t);
    if (raised) L.markFlow(d, c.flows);
  }

  /** A confirmed unsolicited SYN-ACK: sent again by the reflector, or (refused) the victim's RST answering it. */
  private synAck(c: PacketContext, refused: boolean): void {
    const rec = c.rec;
    const k = this.key;
    // The victim is the SYN-ACK's destination: the RST's source.
    if (refused) writeSrc(k, 0, rec); else writeDst(k, 0, rec);
    const T = this.synAcks;
    const s = T.touch(k, 0, c.t);
    T.add(s, F_SYNACKS, 1);
    if (refused) T.add(s, F_REFUSED, 1);
    T.mark(s, B_SOURCES, addressItem(c.hosts.key, refused ? 4 : 0));
    const n = T.value(s, 0, F_SYNACKS, c.t);
    const cfg = this.synAckCfg;
    if (n < cfg.minSynAcks) return;
    const sources = T.distinctOf(s, 0, B_SOURCES, n, c.t);
    if (sources < cfg.minSources || !this.synAckGate.open(s, c.t)) return;
    const victim = refused ? srcString(rec) : dstString(rec);
    const reflector = refused ? dstString(rec) : srcString(rec);
    c.hub.raise({
      detector: this.name,
      variant: 2,
      detail: `unsolicited TCP SYN-ACKs to ${victim} from ${countText(sources, T.bitmapBits)} reflectors`,
      key: `reflection|${victim}|synack`,
      src: reflector, dst: victim,
      srcPort: refused ? rec.dstPort : rec.srcPort, dstPort: refused ? rec.srcPort : rec.dstPort, proto: 'TCP',
      ...flowOf(c.flows, c.flowSlot),
      score: n / cfg.minSynAcks,
      threshold: cfg.minSynAcks,
      evidence: {
        unsolicited_synacks: Math.round(n), refused_by_victim: Math.round(T.value(s, 0, F_REFUSED, c.t)),
        distinct_reflectors: sources, victim,
      },
      window: windowLabel(cfg.windowSec),
    }, c.t);
  }
}
