// Vertical port scan: one source probing many ports of one host, mostly refused or unanswered;
// names the scan type from the probes' flags (SYN, connect, FIN, NULL, Xmas, ACK/Window, UDP).

import type { DetectionConfig } from '../config/detection-defaults.js';
import {
  IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, TCP_URG,
} from '../decode/packet-record.js';
import { wordsToString, writeDst, writeSrc } from '../track/address-key.js';
import { communityId } from '../track/community-id.js';
import { countText } from '../track/linear-count.js';
import { H_ACK, H_DATA, H_RST, H_SYN, H_SYNACK } from '../track/flow-table.js';
import { WindowTable } from '../track/window-table.js';
import type { PacketClock } from '../track/packet-clock.js';
import { flowFields, RaiseGate, windowLabel, type Detector, type PacketContext } from './detector.js';
import { NamedFlows } from './named-flows.js';

const F_PROBES = 0;
const F_OPEN = 1;
const F_REFUSED = 2;
const F_HANDSHAKES = 3;
// Probe kinds, counted per pair to name the scan.
const F_SYN = 4;
const F_FIN = 5;
const F_NULL = 6;
const F_XMAS = 7;
const F_ACK = 8;
const F_UDP = 9;
/**
 * How the prober closed connections to ports that answered SYN-ACK: with a bare RST before any ACK (a
 * SYN scan's half-open probe), or after completing the handshake without sending a byte (a connect
 * scan's probe). Counted when the flow closes; ordinary sessions beside a scan send data and count in neither.
 */
const F_HALF_OPEN = 10;
const F_EMPTY_HANDSHAKE = 11;
/**
 * The first OPEN_KEPT distinct ports that answered a SYN with a SYN-ACK in the window (the scan's findings),
 * and how many are listed (repeated SYN-ACKs of one port, sessions to it, filled the list with copies).
 */
const F_OPEN_PORT = 12;
const OPEN_KEPT = 8;
const F_OPEN_LISTED = F_OPEN_PORT + OPEN_KEPT;
/** Kept across windows: the ports of the latest probe, which the alert names (as Suricata names a packet's). */
const K_PROBE_SPORT = F_OPEN_LISTED + 1;
const K_PROBE_DPORT = K_PROBE_SPORT + 1;
const KEPT = 2;
const FIELDS = K_PROBE_DPORT + 1;
const B_PORTS = 0;

const KIND_NAMES = ['SYN', 'FIN', 'NULL', 'Xmas', 'ACK/Window', 'UDP'];
/** Variant per scan type: SYN 1, connect 2, FIN 3, NULL 4, Xmas 5, ACK/Window 6, UDP 7. */
const KIND_VARIANT = [1, 3, 4, 5, 6, 7];

export class PortScanDetector implements Detector {
  readonly name = 'port_scan' as const;
  private cfg: DetectionConfig['portScan'];
  private readonly pairs: WindowTable;
  private readonly gate: RaiseGate;
  /** Source, destination and transport protocol: a TCP scan and a UDP scan of one host are two entries, two alerts. */
  private readonly key = new Uint32Array(9);
  /** The key being inserted while an evicted pair's held-back raise is judged (which writes this.key). */
  private readonly keySaved = new Uint32Array(9);
  private readonly judgeEvicted = (s: number): void => this.evaluate(this.ctx, s);
  /** Per pair, the latest probe's flow: the alert's flow_id, marked alerted by the raise (made then or later). */
  private readonly probeFlow: NamedFlows;

  /** ctx: the engine's packet context (one object for the run), for judging at an eviction. */
  constructor(cfg: DetectionConfig['portScan'], capacity: number, private readonly ctx: PacketContext, clock?: PacketClock) {
    this.cfg = cfg;
    this.pairs = new WindowTable({
      capacity, keyWords: 9, fields: FIELDS, keptFields: KEPT, scales: [cfg.windowSec], bitmaps: 1, bitmapBits: 1024, onEvict: (s) => this.evicted(s), clock,
    });
    this.gate = new RaiseGate(capacity, true);
    this.probeFlow = new NamedFlows(capacity);
  }
  /** SIGHUP: new thresholds; tables and their contents stay. */
  configure(all: DetectionConfig): void {
    this.cfg = all.portScan;
  }


  /** A pair leaves the table (a spoofed flood fills it): a raise held back for it is made now, with its count. */
  private evicted(s: number): void {
    this.gate.settleEvicted(this.ctx, s, this.judgeEvicted, this.key, this.keySaved);
  }

  packet(c: PacketContext): void {
    if (c.flowSlot < 0) return;
    const rec = c.rec;
    const p = rec.ipProto;
    const k = this.key;
    if (c.newFlow && c.fromOrig && (p === IPPROTO_TCP || p === IPPROTO_UDP)) {
      // A DNS response is an answer whose query the capture missed (it sees one direction), not a probe.
      if (rec.dnsQnameOffset >= 0 && rec.dnsIsResponse) return;
      writeSrc(k, 0, rec);
      writeDst(k, 4, rec);
      k[8] = p;
      const s = this.pairs.touch(k, 0, c.t);
      this.pairs.add(s, F_PROBES, 1);
      this.pairs.mark(s, B_PORTS, rec.dstPort + 1);
      this.pairs.setKept(s, K_PROBE_SPORT, rec.srcPort);
      this.pairs.setKept(s, K_PROBE_DPORT, rec.dstPort);
      this.probeFlow.keep(s, c.flows, c.flowSlot);
      let kind = F_UDP;
      if (p === IPPROTO_TCP) {
        const f = rec.tcpFlags & 0xff;
        if (f === TCP_SYN) kind = F_SYN;
        else if (f === TCP_FIN) kind = F_FIN;
        else if (f === 0) kind = F_NULL;
        else if ((f & (TCP_FIN | TCP_PSH | TCP_URG)) === (TCP_FIN | TCP_PSH | TCP_URG)) kind = F_XMAS;
        else if (f === TCP_ACK) kind = F_ACK;
        else kind = F_SYN;
      }
      this.pairs.add(s, kind, 1);
      // A connection to a port the scan found open is a session, not a probe to judge: SSH logins after a
      // scan each raised it again (its window still over the threshold) and stretched its incident to them.
      // Every other probe is judged, repeats too: nmap's retries, a scan looped over the same ports.
      if (p !== IPPROTO_TCP || !this.foundOpen(s, rec.dstPort)) this.evaluate(c, s);
      return;
    }
    // Answers travel from the probed host back to the prober: find the pair by the flow's originator.
    const flows = c.flows;
    const fs = c.flowSlot;
    if (flows.lastClosing && p === IPPROTO_TCP) this.closed(c);
    if (!c.fromOrig && p === IPPROTO_TCP) {
      const f = rec.tcpFlags;
      const synAck = (f & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK);
      const rst = (f & TCP_RST) !== 0;
      if (!synAck && !rst) return;
      if (synAck && flows.packets(fs, 1) !== 1) return;
      if (rst && flows.packets(fs, 1) > 2) return;
      const s = this.findPair(c, IPPROTO_TCP);
      if (s < 0) return;
      const T = this.pairs;
      if (synAck) {
        const n = T.current(s, F_OPEN_LISTED);
        const port = flows.respPort(fs);
        if (n < OPEN_KEPT && !this.listedIn(s, port, false)) {
          T.cur[T.base(s) + F_OPEN_PORT + n] = port;
          T.add(s, F_OPEN_LISTED, 1);
        }
      }
      T.add(s, synAck ? F_OPEN : F_REFUSED, 1);
    } else if (c.established && p === IPPROTO_TCP) {
      const s = this.findPair(c, IPPROTO_TCP);
      if (s >= 0) this.pairs.add(s, F_HANDSHAKES, 1);
    } else if ((p === IPPROTO_ICMP && rec.icmpType === 3) || (p === IPPROTO_ICMPV6 && rec.icmpType === 1)) {
      // Port unreachable from the probed host to the prober: the UDP probe was refused.
      writeDst(k, 0, rec);
      writeSrc(k, 4, rec);
      k[8] = IPPROTO_UDP;
      const s = this.pairs.find(k, 0, c.t);
      if (s >= 0) this.pairs.add(s, F_REFUSED, 1);
    }
  }

  /**
   * A TCP flow closed (once per flow, by either side): if the port had answered SYN-ACK, how the prober
   * left it: reset before its ACK (half-open), or handshake completed and nothing sent (empty).
   */
  private closed(c: PacketContext): void {
    const flows = c.flows;
    const fs = c.flowSlot;
    if ((flows.history(fs, 1) & H_SYNACK) === 0) return;
    const o = flows.history(fs, 0);
    if ((o & H_SYN) === 0 || (o & H_DATA) !== 0) return;
    const field = (o & H_ACK) !== 0 ? F_EMPTY_HANDSHAKE : (o & H_RST) !== 0 ? F_HALF_OPEN : -1;
    if (field < 0) return;
    const s = this.findPair(c, IPPROTO_TCP);
    if (s >= 0) this.pairs.add(s, field, 1);
  }

  /** Once a second: pairs over the threshold whose raise the gate refused are judged again, so the incident has the latest count. */
  tick(c: PacketContext): void {
    this.gate.drain(c, this.judge(c), false);
  }

  /** End of input: the same, with the gate open (the count a scan reached after its last raise is not lost). */
  finish(c: PacketContext): void {
    this.gate.drain(c, this.judge(c), true);
  }

  private judge(c: PacketContext): (s: number) => void {
    return (s) => this.evaluate(c, s);
  }

  private findPair(c: PacketContext, proto: number): number {
    const flows = c.flows;
    const fs = c.flowSlot;
    const k = this.key;
    const o = flows.origAddrOffset(fs);
    const r = flows.respAddrOffset(fs);
    for (let i = 0; i < 4; i++) { k[i] = flows.addrs[o + i]; k[4 + i] = flows.addrs[r + i]; }
    k[8] = proto;
    return this.pairs.find(k, 0, c.t);
  }

  /** Whether port answered a SYN with a SYN-ACK in the pair's current or previous window (of the first OPEN_KEPT of each). */
  private foundOpen(s: number, port: number): boolean {
    return this.listedIn(s, port, false) || this.listedIn(s, port, true);
  }

  /** Whether port is in the open-port list of the pair's current (or previous) window. */
  private listedIn(s: number, port: number, previous: boolean): boolean {
    const T = this.pairs;
    const n = previous ? T.previous(s, 0, F_OPEN_LISTED) : T.current(s, F_OPEN_LISTED);
    for (let i = 0; i < n; i++) if ((previous ? T.previous(s, 0, F_OPEN_PORT + i) : T.current(s, F_OPEN_PORT + i)) === port) return true;
    return false;
  }

  /**
   * Ports that answered a SYN with a SYN-ACK in the current and previous window, ascending: the first
   * OPEN_KEPT of each window (the open count says when there were more).
   */
  private openPorts(s: number): number[] {
    const T = this.pairs;
    const ports = new Set<number>();
    const inCur = T.current(s, F_OPEN_LISTED);
    for (let i = 0; i < inCur; i++) ports.add(T.current(s, F_OPEN_PORT + i));
    const inPrev = T.previous(s, 0, F_OPEN_LISTED);
    for (let i = 0; i < inPrev; i++) ports.add(T.previous(s, 0, F_OPEN_PORT + i));
    return [...ports].sort((a, b) => a - b);
  }

  private evaluate(c: PacketContext, s: number): void {
    const cfg = this.cfg;
    const T = this.pairs;
    const probes = T.value(s, 0, F_PROBES, c.t);
    // Cheap first: fewer probes than the threshold cannot reach it in distinct ports.
    if (probes < cfg.minPorts) return;
    const ports = T.distinctOf(s, 0, B_PORTS, probes, c.t);
    if (ports < cfg.minPorts) return;
    const open = T.value(s, 0, F_OPEN, c.t);
    if (open > cfg.maxOpenRatio * probes) return;
    if (!this.gate.open(s, c.t, c.hub.position)) return;
    let best = F_SYN;
    for (let f = F_SYN; f <= F_UDP; f++) if (T.value(s, 0, f, c.t) > T.value(s, 0, best, c.t)) best = f;
    const handshakes = T.value(s, 0, F_HANDSHAKES, c.t);
    // A connect scan completes the handshake with every port that answers and closes it without sending
    // anything; a SYN scan resets them half-open. Ordinary sessions beside the scan (ten web requests to
    // the target before a SYN scan read as a connect scan when every completed handshake counted) send
    // data and count for neither. Nothing found open: the probes alone cannot tell, and it is a SYN scan.
    const halfOpen = T.value(s, 0, F_HALF_OPEN, c.t);
    const empty = T.value(s, 0, F_EMPTY_HANDSHAKE, c.t);
    const connect = best === F_SYN && empty > halfOpen;
    const typeName = connect ? 'connect' : KIND_NAMES[best - F_SYN];
    const variant = connect ? 2 : KIND_VARIANT[best - F_SYN];
    const k = this.key;
    T.keyOf(s, k, 0);
    const src = wordsToString(k, 0);
    const dst = wordsToString(k, 4);
    const udp = k[8] === IPPROTO_UDP;
    const refused = T.value(s, 0, F_REFUSED, c.t);
    const openPorts = this.openPorts(s);
    const sport = T.kept(s, K_PROBE_SPORT);
    const dport = T.kept(s, K_PROBE_DPORT);
    const raised = c.hub.raise({
      detector: this.name,
      variant,
      detail: `${typeName} scan of ${dst} from ${src} (${countText(ports, T.bitmapBits)} ports)`,
      key: `port_scan|${src}|${dst}${udp ? '|udp' : ''}`,
      src, dst, srcPort: sport, dstPort: dport,
      proto: udp ? 'UDP' : 'TCP',
      // The latest probe's flow, so the alert joins the flow log (and Suricata's) on it.
      ...flowFields(communityId(k, 0, 4, k[8], sport, dport), this.probeFlow.serialOf(s)),
      score: ports / cfg.minPorts,
      threshold: cfg.minPorts,
      evidence: {
        scan_type: typeName, distinct_ports: ports, probes: Math.round(probes), open: Math.round(open), refused: Math.round(refused),
        unanswered: Math.max(0, Math.round(probes - open - refused)), completed_handshakes: Math.round(handshakes),
        half_open: Math.round(halfOpen), empty_handshakes: Math.round(empty),
        open_ports: openPorts,
      },
      window: windowLabel(cfg.windowSec),
    }, c.t);
    // A raise made later (drained) names a probe that came before the packet at hand: mark that probe's flow.
    if (raised) this.probeFlow.mark(s, c.flows);
  }
}
