// Runs tracking and every detector over each decoded packet, in packet time, and closes flows into the
// host windows and the flow sinks.

import { AlertHub } from '../alert/alert-hub.js';
import type { DetectionConfig } from '../config/detection-defaults.js';
import { DecodeStatus } from '../decode/decode-status.js';
import { L3_IPV4, L3_IPV6, type PacketRecord } from '../decode/packet-record.js';
import { CloseReason, FlowTable, type FlowCloseListener } from '../track/flow-table.js';
import { HF_ESTABLISHED, HostWindows } from '../track/host-windows.js';
import { ArpSpoofDetector } from './arp-spoof.js';
import { BruteForceDetector } from './brute-force.js';
import { PacketContext, type Detector } from './detector.js';
import { DnsTunnelDetector } from './dns-tunnel.js';
import { HighTrafficDetector } from './high-traffic.js';
import { HostSweepDetector } from './host-sweep.js';
import { IcmpFloodDetector } from './icmp-flood.js';
import { IcmpTunnelDetector } from './icmp-tunnel.js';
import { PortScanDetector } from './port-scan.js';
import { RareServiceDetector } from './rare-service.js';
import { ReflectionDetector } from './reflection.js';
import { SlowlorisDetector } from './slowloris.js';
import { SynFloodDetector } from './syn-flood.js';
import { UdpFloodDetector } from './udp-flood.js';

/** Receives every flow as it closes (flow export, statistics). */
export interface FlowSink {
  flow(flows: FlowTable, slot: number, reason: CloseReason): void;
}

export class DetectionEngine implements FlowCloseListener {
  readonly flows: FlowTable;
  readonly hosts: HostWindows;
  readonly hub: AlertHub;
  readonly detectors: Detector[];
  readonly flowSinks: FlowSink[] = [];
  private readonly ctx = new PacketContext();
  // The detectors again, one typed field each, so every per-packet call site sees one class and can be
  // inlined (a loop over the array is one megamorphic call site for all thirteen).
  private readonly portScan: PortScanDetector;
  private readonly hostSweep: HostSweepDetector;
  private readonly synFlood: SynFloodDetector;
  private readonly icmpFlood: IcmpFloodDetector;
  private readonly udpFlood: UdpFloodDetector;
  private readonly reflection: ReflectionDetector;
  private readonly bruteForce: BruteForceDetector;
  private readonly dnsTunnel: DnsTunnelDetector;
  private readonly icmpTunnel: IcmpTunnelDetector;
  private readonly highTraffic: HighTrafficDetector;
  /** Public: a model stores its tables and preloads them. */
  readonly rareService: RareServiceDetector;
  /** Detectors added after construction (the model's scorer or training collector); usually none. */
  private readonly added: Detector[] = [];
  private readonly arpSpoof: ArpSpoofDetector;

  constructor(cfg: DetectionConfig) {
    this.flows = new FlowTable(cfg.flows.capacity, cfg.flows.timeouts);
    this.flows.listener = this;
    const hc = cfg.hosts.capacity;
    // One packet clock for the run: the flow table's, which counts the files that go back before those read before them.
    const clock = this.flows.clock;
    this.hosts = new HostWindows(hc, cfg.reflection.ports, clock);
    this.hub = new AlertHub(cfg.alerts);
    this.portScan = new PortScanDetector(cfg.portScan, hc * 2, this.ctx, clock);
    this.hostSweep = new HostSweepDetector(cfg.hostSweep, hc, this.ctx, clock);
    this.synFlood = new SynFloodDetector(cfg.synFlood, hc, this.ctx, clock);
    this.icmpFlood = new IcmpFloodDetector(cfg.icmpFlood, hc);
    this.udpFlood = new UdpFloodDetector(cfg.udpFlood, hc);
    this.reflection = new ReflectionDetector(cfg.reflection, cfg.unsolicitedSynAck, hc, clock);
    this.bruteForce = new BruteForceDetector(cfg.bruteForce, hc, clock);
    this.dnsTunnel = new DnsTunnelDetector(cfg.dnsTunnel, hc, clock);
    this.icmpTunnel = new IcmpTunnelDetector(cfg.icmpTunnel, hc, clock);
    this.highTraffic = new HighTrafficDetector(cfg.highTraffic, this.hosts);
    this.rareService = new RareServiceDetector(cfg.rareService);
    this.arpSpoof = new ArpSpoofDetector(cfg.arpSpoof);
    this.detectors = [
      this.portScan, this.hostSweep, this.synFlood, this.icmpFlood, this.udpFlood, this.reflection, this.bruteForce,
      new SlowlorisDetector(cfg.slowloris), this.dnsTunnel, this.icmpTunnel, this.highTraffic, this.rareService, this.arpSpoof,
    ];
    const c = this.ctx;
    c.flows = this.flows;
    c.hosts = this.hosts;
    c.hub = this.hub;
  }

  process(rec: PacketRecord, file: string | null): void {
    const t = rec.tsSec + rec.tsNsec / 1e9;
    const pos = this.hub.position;
    pos.tsSec = rec.tsSec;
    pos.tsNsec = rec.tsNsec;
    pos.file = file;
    pos.index = rec.index;
    this.hub.now = t;
    const c = this.ctx;
    c.rec = rec;
    c.t = t;
    c.settledRaises = 0;
    const flows = this.flows;
    // Once per second of packet time, before this packet counts anywhere: a raise the gate held back is
    // judged on the windows as they stood at its last refused packet. Ticked after it, a packet that came
    // after a quiet spell had rolled those windows on and raised at its own, smaller count, and the held-back
    // peak (37,039 SYNs of a 4 s flood, filed as 24,296) was never judged. Then idle flows close.
    if (flows.due(t)) {
      this.tickAll();
      flows.sweepDue();
    }
    c.flowSlot = flows.track(rec, t);
    c.fromOrig = flows.lastFromOrig;
    c.newFlow = flows.lastIsNew;
    c.established = flows.lastEstablished;
    c.isIp = (rec.l3 === L3_IPV4 || rec.l3 === L3_IPV6) && rec.status !== DecodeStatus.MalformedIp && rec.status !== DecodeStatus.TruncatedIp;
    if (c.isIp) {
      this.hosts.update(rec, t, c.newFlow && c.fromOrig);
      if (c.established) this.hosts.byDst.add(this.hosts.dstSlot, HF_ESTABLISHED, 1);
    }
    const before = this.hub.alertsRaised;
    // The order of the array (slowloris works only in tick()).
    this.portScan.packet(c);
    this.hostSweep.packet(c);
    this.synFlood.packet(c);
    this.icmpFlood.packet(c);
    this.udpFlood.packet(c);
    this.reflection.packet(c);
    this.bruteForce.packet(c);
    this.dnsTunnel.packet(c);
    this.icmpTunnel.packet(c);
    this.highTraffic.packet(c);
    this.rareService.packet(c);
    this.arpSpoof.packet(c);
    const added = this.added;
    for (let i = 0; i < added.length; i++) added[i].packet(c);
    if (this.hub.alertsRaised - c.settledRaises !== before && c.flowSlot >= 0) flows.markAlerted(c.flowSlot);
  }

  /**
   * The detectors' ticks, once per second of packet time (a step back in time restarts the schedule: see
   * PacketClock), with no packet in hand: the same for a packet about to be counted and for a quiet live link.
   */
  private tickAll(): void {
    const c = this.ctx;
    c.flowSlot = -1;
    c.newFlow = false;
    c.established = false;
    c.isIp = false;
    const ds = this.detectors;
    for (let i = 0; i < ds.length; i++) ds[i].tick?.(c);
  }

  /**
   * Live, no packet for a second or more: packet time is now t (the last packet's plus the wall-clock time
   * since). Once a second, as packets would: the detectors' ticks first, so a raise the gate held back is
   * made now rather than when traffic returns, and while the flow it names is still open (marked alerted,
   * kept with --db-flows alerted); then idle flows close.
   */
  idle(t: number): void {
    const c = this.ctx;
    if (c.rec === undefined || !this.flows.idle(t)) return;
    c.t = t;
    // What is raised now (slowloris, a network-wide SYN flood) is stamped with this time, not the last packet's.
    const pos = this.hub.position;
    pos.tsSec = Math.floor(t);
    pos.tsNsec = Math.round((t - pos.tsSec) * 1e6) * 1000;
    this.hub.now = t;
    this.tickAll();
    this.flows.sweepDue();
  }

  flowClosed(flows: FlowTable, slot: number, reason: CloseReason): void {
    this.hosts.connectionEnded(flows.addrs, flows.origAddrOffset(slot), flows.addrs, flows.respAddrOffset(slot), flows.completed(slot), flows.lastSeen(slot));
    for (const s of this.flowSinks) s.flow(flows, slot, reason);
  }

  /** Adds a detector that runs after the built-in ones (the model's scorer or training collector). */
  addDetector(d: Detector): void {
    this.detectors.push(d);
    this.added.push(d);
  }

  /** Applies reloaded thresholds to every detector; flows, windows and incidents are kept. */
  reconfigure(cfg: DetectionConfig): void {
    for (const d of this.detectors) d.configure?.(cfg);
  }

  /** End of input: every open flow is closed (reason shutdown) so flow exports are complete. */
  finish(): void {
    if (this.ctx.rec !== undefined) for (const d of this.detectors) d.finish?.(this.ctx);
    this.flows.closeAll();
  }

  /** Memory held by the bounded tables, bytes. */
  get memoryBytes(): number {
    return this.flows.memoryBytes + this.hosts.memoryBytes;
  }
}
