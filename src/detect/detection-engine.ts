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
  private nextTick = -Infinity;

  constructor(cfg: DetectionConfig) {
    this.flows = new FlowTable(cfg.flows.capacity, cfg.flows.timeouts);
    this.flows.listener = this;
    const hc = cfg.hosts.capacity;
    this.hosts = new HostWindows(hc, cfg.reflection.ports);
    this.hub = new AlertHub(cfg.alerts);
    this.detectors = [
      new PortScanDetector(cfg.portScan, hc * 2),
      new HostSweepDetector(cfg.hostSweep, hc),
      new SynFloodDetector(cfg.synFlood, hc),
      new IcmpFloodDetector(cfg.icmpFlood, hc),
      new UdpFloodDetector(cfg.udpFlood, hc),
      new ReflectionDetector(cfg.reflection, cfg.unsolicitedSynAck, hc),
      new BruteForceDetector(cfg.bruteForce, hc),
      new SlowlorisDetector(cfg.slowloris),
      new DnsTunnelDetector(cfg.dnsTunnel, hc),
      new IcmpTunnelDetector(cfg.icmpTunnel, hc),
      new HighTrafficDetector(cfg.highTraffic, this.hosts),
      new RareServiceDetector(cfg.rareService),
      new ArpSpoofDetector(cfg.arpSpoof),
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
    const c = this.ctx;
    c.rec = rec;
    c.t = t;
    const flows = this.flows;
    c.flowSlot = flows.update(rec, t);
    c.fromOrig = flows.lastFromOrig;
    c.newFlow = flows.lastIsNew;
    c.established = flows.lastEstablished;
    c.isIp = (rec.l3 === L3_IPV4 || rec.l3 === L3_IPV6) && rec.status !== DecodeStatus.MalformedIp && rec.status !== DecodeStatus.TruncatedIp;
    if (c.isIp) {
      this.hosts.update(rec, t, c.newFlow && c.fromOrig);
      if (c.established) this.hosts.byDst.add(this.hosts.dstSlot, HF_ESTABLISHED, 1);
    }
    const ds = this.detectors;
    const before = this.hub.alertsRaised;
    for (let i = 0; i < ds.length; i++) ds[i].packet(c);
    if (this.hub.alertsRaised !== before && c.flowSlot >= 0) flows.alerted[c.flowSlot] = 1;
    // Once per second of packet time; a step back in time restarts the schedule.
    if (t >= this.nextTick || t < this.nextTick - 2) {
      this.nextTick = Math.floor(t) + 1;
      for (let i = 0; i < ds.length; i++) ds[i].tick?.(c);
    }
  }

  flowClosed(flows: FlowTable, slot: number, reason: CloseReason): void {
    this.hosts.connectionEnded(flows.addrs, flows.origAddrOffset(slot), flows.addrs, flows.respAddrOffset(slot), flows.completed(slot), flows.last[slot]);
    for (const s of this.flowSinks) s.flow(flows, slot, reason);
  }

  /** Adds a detector that runs after the built-in ones (the model's scorer or training collector). */
  addDetector(d: Detector): void {
    this.detectors.push(d);
  }

  /** The rare-service detector, whose tables a model stores and preloads. */
  get rareService(): RareServiceDetector {
    return this.detectors.find((d): d is RareServiceDetector => d instanceof RareServiceDetector)!;
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
