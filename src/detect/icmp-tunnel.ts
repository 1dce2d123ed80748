// ICMP tunnelling and covert channels: one source's echo requests carrying large or ever-changing
// payloads, or IPv6 echo requests carrying unassigned hop-by-hop/destination options (data hidden there).

import type { DetectionConfig } from '../config/detection-defaults.js';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, isEchoRequest } from '../decode/packet-record.js';
import { writeSrc } from '../track/address-key.js';
import { WindowTable } from '../track/window-table.js';
import type { PacketClock } from '../track/packet-clock.js';
import { eveProtocolName } from '../decode/protocol-names.js';
import { type Detector, type PacketContext, windowLabel } from './detector.js';
import { KeptRaises } from './over-threshold-packets.js';

const F_ECHOES = 0;
const F_PAYLOAD = 1;
const F_COVERT = 2;
const B_PAYLOADS = 0;
/** Ping tools put a timestamp in the first 16 bytes; tunnels change what follows. */
const SKIP = 16;
const SAMPLE = 48;

export class IcmpTunnelDetector implements Detector {
  readonly name = 'icmp_tunnel' as const;
  private cfg: DetectionConfig['icmpTunnel'];
  private readonly sources: WindowTable;
  /**
   * Per source, its latest echo request over the threshold (which the alert names) and the sources the gate
   * refused, judged again each second and at the end: the incident has the final count.
   */
  private readonly raises: KeptRaises;
  private readonly key = new Uint32Array(4);

  constructor(cfg: DetectionConfig['icmpTunnel'], capacity: number, clock?: PacketClock) {
    this.cfg = cfg;
    this.sources = new WindowTable({ capacity, keyWords: 4, fields: 3, scales: [cfg.windowSec], bitmaps: 1, bitmapBits: 512, clock });
    this.raises = new KeptRaises(capacity, (c, s) => this.judge(c, s), { keyOf: (_c, s, out) => this.sources.keyOf(s, out, 0), side: 'src' });
  }
  /** SIGHUP: new thresholds; tables and their contents stay. */
  configure(all: DetectionConfig): void {
    this.cfg = all.icmpTunnel;
  }

  /** Once a second: sources whose raise the gate refused are judged again, so the incident has the latest count. */
  tick(c: PacketContext): void {
    this.raises.drain(c, false);
  }

  /** End of input: the same, with the gate open (18 covert echoes sent within a second are filed as 18, not the 10 that crossed). */
  finish(c: PacketContext): void {
    this.raises.drain(c, true);
  }

  packet(c: PacketContext): void {
    const rec = c.rec;
    if (!c.isIp || (rec.ipProto !== IPPROTO_ICMP && rec.ipProto !== IPPROTO_ICMPV6)) return;
    if (!isEchoRequest(rec)) return;
    const k = this.key;
    writeSrc(k, 0, rec);
    const T = this.sources;
    const s = T.touch(k, 0, c.t);
    T.add(s, F_ECHOES, 1);
    // Echo payload after the 4-byte identifier/sequence.
    const start = rec.payloadOffset + 4;
    const len = rec.payloadLength - 4;
    T.add(s, F_PAYLOAD, len > 0 ? len : 0);
    let h = 0x811c9dc5 ^ len;
    const d = rec.data;
    for (let i = start + SKIP; i < start + SKIP + SAMPLE && i < start + len; i++) h = Math.imul(h ^ d[i], 0x01000193);
    T.mark(s, B_PAYLOADS, h);
    if (rec.ipv6UnknownOption) T.add(s, F_COVERT, 1);
    if (T.value(s, 0, F_ECHOES, c.t) < this.cfg.minEchoes) return;
    this.raises.over(c, s);
  }

  /** Raises for source entry s when its window is a tunnel, naming its kept echo request. */
  private judge(c: PacketContext, s: number): void {
    const cfg = this.cfg;
    const T = this.sources;
    const echoes = T.value(s, 0, F_ECHOES, c.t);
    if (echoes < cfg.minEchoes) return;
    const covert = T.value(s, 0, F_COVERT, c.t);
    const mean = T.value(s, 0, F_PAYLOAD, c.t) / echoes;
    const distinct = T.distinct(s, 0, B_PAYLOADS, c.t);
    let variant: number;
    let why: string;
    let score: number;
    let threshold: number;
    if (covert >= cfg.minEchoes) {
      variant = 3; why = `${Math.round(covert)} echo requests carrying unassigned IPv6 options`; score = covert / cfg.minEchoes; threshold = cfg.minEchoes;
    } else if (mean >= cfg.minMeanPayload) {
      variant = 1; why = `echo payloads of ${Math.round(mean)} bytes on average`; score = mean / cfg.minMeanPayload; threshold = cfg.minMeanPayload;
    } else if (distinct >= cfg.minDistinctPayloads) {
      variant = 2; why = `${distinct} different echo payloads`; score = distinct / cfg.minDistinctPayloads; threshold = cfg.minDistinctPayloads;
    } else return;
    if (!this.raises.gate.open(s, c.t, c.hub.position)) return;
    const L = this.raises.latest;
    const src = L.src(s);
    const raised = c.hub.raise({
      detector: this.name,
      variant,
      detail: `${src}: ${why}`,
      key: `icmp_tunnel|${src}`,
      src, dst: L.dst(s), proto: eveProtocolName(L.proto(s)), icmpType: L.icmpType(s), icmpCode: L.icmpCode(s),
      ...L.flowFields(s),
      score, threshold,
      evidence: {
        echo_requests: Math.round(echoes), mean_payload_bytes: Math.round(mean), distinct_payloads: distinct,
        unassigned_ipv6_options: Math.round(covert),
      },
      window: windowLabel(cfg.windowSec),
    }, c.t);
    if (raised) L.markFlow(s, c.flows);
  }
}
