// Brute force: many sessions from one source to one authentication service (SSH, FTP, Telnet, RDP,
// SMB, SQL, mail...) of one server within the window; only connections that completed the handshake count.

import type { DetectionConfig } from '../config/detection-defaults.js';
import { IPPROTO_TCP, TCP_ACK, TCP_SYN } from '../decode/packet-record.js';
import { wordsToString, writeDst, writeSrc } from '../track/address-key.js';
import { WindowTable } from '../track/window-table.js';
import type { PacketClock } from '../track/packet-clock.js';
import { type Detector, flowOf, type PacketContext, RaiseGate, windowLabel } from './detector.js';

const F_CONNS = 0;
const F_ESTABLISHED = 1;

const SERVICE_NAMES: Readonly<Record<number, string>> = {
  21: 'FTP', 22: 'SSH', 23: 'Telnet', 25: 'SMTP', 110: 'POP3', 143: 'IMAP', 445: 'SMB', 465: 'SMTPS', 587: 'SMTP submission',
  993: 'IMAPS', 995: 'POP3S', 1433: 'MS SQL', 3306: 'MySQL', 3389: 'RDP', 5432: 'PostgreSQL', 5900: 'VNC',
};

export class BruteForceDetector implements Detector {
  readonly name = 'brute_force' as const;
  private cfg: DetectionConfig['bruteForce'];
  private readonly ports = new Uint8Array(65536);
  private readonly attempts: WindowTable;
  private readonly gate: RaiseGate;
  private readonly key = new Uint32Array(9);

  constructor(cfg: DetectionConfig['bruteForce'], capacity: number, clock?: PacketClock) {
    this.cfg = cfg;
    for (const p of cfg.ports) this.ports[p] = 1;
    // A pair given to another key does not pass on when it last raised.
    this.attempts = new WindowTable({ capacity, keyWords: 9, fields: 2, scales: [cfg.windowSec], onEvict: (s) => this.gate.reset(s), clock });
    this.gate = new RaiseGate(capacity);
  }
  /** SIGHUP: new thresholds and service ports. */
  configure(all: DetectionConfig): void {
    this.cfg = all.bruteForce;
    this.ports.fill(0);
    for (const p of this.cfg.ports) this.ports[p] = 1;
  }


  packet(c: PacketContext): void {
    const rec = c.rec;
    if (c.flowSlot < 0 || rec.ipProto !== IPPROTO_TCP || !c.fromOrig) return;
    if (this.ports[rec.dstPort] === 0) return;
    const isAttempt = c.newFlow && (rec.tcpFlags & (TCP_SYN | TCP_ACK)) === TCP_SYN;
    if (!isAttempt && !c.established) return;
    const k = this.key;
    writeSrc(k, 0, rec); writeDst(k, 4, rec); k[8] = rec.dstPort;
    const T = this.attempts;
    const s = T.touch(k, 0, c.t);
    if (isAttempt) {
      T.add(s, F_CONNS, 1);
      return;
    }
    // Only connections that reached the service count: authentication needs a session, a SYN flood is not a guess.
    T.add(s, F_ESTABLISHED, 1);
    const established = T.value(s, 0, F_ESTABLISHED, c.t);
    if (established < this.cfg.minConnections || !this.gate.open(s, c.t)) return;
    const conns = T.value(s, 0, F_CONNS, c.t);
    const src = wordsToString(k, 0);
    const dst = wordsToString(k, 4);
    const service = SERVICE_NAMES[rec.dstPort] ?? `TCP/${rec.dstPort}`;
    c.hub.raise({
      detector: this.name,
      variant: 1,
      detail: `${service} on ${dst} from ${src} (${Math.round(established)} connections)`,
      key: `brute_force|${src}|${dst}|${rec.dstPort}`,
      src, dst, srcPort: rec.srcPort, dstPort: rec.dstPort, proto: 'TCP',
      ...flowOf(c.flows, c.flowSlot),
      score: established / this.cfg.minConnections,
      threshold: this.cfg.minConnections,
      evidence: { service, established_connections: Math.round(established), attempts: Math.round(conns) },
      window: windowLabel(this.cfg.windowSec),
    }, c.t);
  }
}
