// The end-of-run summary as data (for --summary json) and as text for the terminal.

import { TimestampText } from './timestamp-text.js';
import { DECODE_STATUS_NAMES } from '../decode/decode-status.js';
import { TUNNEL_NAMES } from '../decode/packet-record.js';
import { ipProtocolName } from '../decode/protocol-names.js';
import { MINUTE_BUCKETS, SECOND_LEAD, SLOT_ARP, SLOT_NON_IP, SLOT_UNDECODED, type TrafficSummary } from '../track/traffic-summary.js';
import type { Talker } from '../track/top-talkers.js';
import type { EveAlert, Incident } from '../alert/eve-alert.js';
import type { DetectionEngine } from '../detect/detection-engine.js';
import type { AnomalyDetector } from '../detect/anomaly-detector.js';
import type { IntelMatchDetector } from '../detect/intel-match.js';
import type { ReputationLookup, ReputationStats } from '../intel/reputation-lookup.js';
import type { DetectionSetup } from '../cli/detection-options.js';
import { CLOSE_REASON_NAMES } from '../track/flow-table.js';
import { alertLine } from './alert-sinks.js';

export interface LossReport {
  /** Frames the capture worker received from libpcap (stored in the ring or dropped there). */
  seen: number;
  ringDrops: number;
  ringDropBytes: number;
  /** libpcap's pcap_stats at the end: passed the filter, dropped by the kernel (socket buffer full), dropped by the interface. */
  pcap: { received: number; dropped: number; ifDropped: number } | null;
  /** Cross-check from the interface's rx+tx counters: an estimate, or why it cannot be made. */
  interfaceCounters: { measured: true; estimate: number; expected: number; rxDropped: number }
    | { measured: false; reason: string };
}

export interface SummaryReport {
  source: string;
  packets: number;
  bytes: number;
  first: string | null;
  last: string | null;
  durationSec: number;
  protocols: { protocol: string; packets: number; bytes: number }[];
  decode: Record<string, number>;
  /** Packets that came through a tunnel, by the outermost tunnel's kind (counted under their inner protocol above). */
  tunnels?: Record<string, number>;
  topTalkers: Talker[];
  talkerTable: { capacity: number; evictions: number };
  /** unbucketed: packets left out of the rows (only past 100,800 distinct minutes outside the main range). */
  volume?: { bucketSec: number; buckets: { start: string; packets: number; bytes: number }[]; unbucketed?: number };
  loss?: LossReport;
  /**
   * timeStepsBack: times packet time went back by more than a second (with the largest step), when any did;
   * damage: the corrupt record where reading of the file stopped, when it did.
   */
  files?: {
    path: string; format: string; packets: number; bytes: number; cutAt: number; damage?: string;
    timeStepsBack?: { count: number; largestSec: number; atPacket: number };
  }[];
  stopReason?: string;
  /** Alerts, incidents and the state of the bounded tracking tables (when detection ran). */
  detection?: DetectionReport;
  /** How the run itself went: wall time of the pipeline, its rate, and peak memory of the process. */
  run?: { elapsedSec: number; packetsPerSec: number; maxRssMiB: number };
}

export interface DetectionReport {
  alertsRaised: number;
  alertsSuppressed: number;
  alerts: EveAlert[];
  alertsOmitted: number;
  incidents: Incident[];
  flows: {
    capacity: number; created: number; evictions: number; open: number; closedBy: Record<string, number>;
    /** Later IP fragments (no ports): how many, how many were counted in their datagram's flow, and fragment-table evictions. */
    laterFragments?: { seen: number; inFlows: number; evictions: number };
  };
  hosts: { capacity: number; evictions: number };
  trackingMemoryMiB: number;
  /** Online reputation lookups of alerted addresses. */
  reputation?: ReputationStats;
  /** Threat-intelligence feeds loaded and first contacts that matched them. */
  intel?: { feeds: { feed: string; indicators: number; badLines: number }[]; indicators: number; matches: number };
  /** The model's scoring, when a model was given. */
  model?: { path: string; type: string; threshold: number; windowSec: number; windowsScored: number; windowsTooSmall: number; windowsAbove: number; hostsUntracked: number };
}

export function detectionReport(engine: DetectionEngine, setup: ReturnType<DetectionSetup['report']>, anomaly: AnomalyDetector | null = null,
  intel: IntelMatchDetector | null = null, reputation: ReputationLookup | null = null): DetectionReport {
  const f = engine.flows;
  const closedBy: Record<string, number> = {};
  CLOSE_REASON_NAMES.forEach((n, i) => { if (f.closedBy[i] > 0) closedBy[n] = f.closedBy[i]; });
  return {
    alertsRaised: setup?.raised ?? 0,
    alertsSuppressed: setup?.suppressed ?? 0,
    alerts: setup?.listed ?? [],
    alertsOmitted: setup?.omitted ?? 0,
    incidents: setup?.incidents ?? [],
    flows: {
      capacity: f.maxFlows, created: f.created, evictions: f.evictions, open: f.count, closedBy,
      ...(f.laterFragments > 0 ? { laterFragments: { seen: f.laterFragments, inFlows: f.laterFragmentsInFlows, evictions: f.fragments.evictions } } : {}),
    },
    hosts: { capacity: engine.hosts.bySrc.capacity, evictions: engine.hosts.bySrc.evictions + engine.hosts.byDst.evictions },
    trackingMemoryMiB: Math.round(engine.memoryBytes / 1048576),
    ...(reputation ? { reputation: { ...reputation.stats } } : {}),
    ...(intel ? {
      intel: {
        feeds: intel.current.loads.map((l) => ({ feed: l.feed, indicators: l.indicators, badLines: l.badLines })),
        indicators: intel.current.indicators, matches: intel.matches,
      },
    } : {}),
    ...(anomaly ? {
      model: {
        path: anomaly.current.path, type: anomaly.current.type, threshold: anomaly.current.threshold, windowSec: anomaly.current.file.window_sec,
        windowsScored: anomaly.windowsScored, windowsTooSmall: anomaly.windowsTooSmall, windowsAbove: anomaly.windowsAbove,
        hostsUntracked: anomaly.table.untracked,
      },
    } : {}),
  };
}

export function runStats(packets: number, startedMs: number): NonNullable<SummaryReport['run']> {
  const elapsedSec = (performance.now() - startedMs) / 1000;
  return {
    elapsedSec: Math.round(elapsedSec * 1000) / 1000,
    packetsPerSec: elapsedSec > 0 ? Math.round(packets / elapsedSec) : 0,
    maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

function isoTime(sec: number, nsec: number): string {
  const d = new Date(sec * 1000 + Math.floor(nsec / 1e6));
  return Number.isNaN(d.getTime()) ? String(sec) : d.toISOString();
}

function slotName(slot: number): string {
  if (slot === SLOT_ARP) return 'ARP';
  if (slot === SLOT_NON_IP) return 'non-IP';
  if (slot === SLOT_UNDECODED) return 'undecoded';
  return ipProtocolName(slot);
}

/**
 * Per-second buckets for short runs, per-minute (merged to at most 60 rows) for longer ones, from the
 * earliest packet to the latest: every packet is in a row (files out of time order and clock jumps too).
 */
function volume(s: TrafficSummary): SummaryReport['volume'] {
  if (s.packets === 0) return { bucketSec: 1, buckets: [] };
  const span = s.lastSec - s.earliestSec + 1;
  if (span <= 120 && s.outsideSeconds === 0) {
    const from = s.earliestSec - s.firstSec + SECOND_LEAD;
    const buckets = [];
    for (let i = 0; i < span; i++) {
      buckets.push({ start: isoTime(s.earliestSec + i, 0), packets: s.secondPackets[from + i], bytes: s.secondBytes[from + i] });
    }
    return { bucketSec: 1, buckets };
  }
  const m0 = Math.floor(s.earliestSec / 60);
  const minutes = Math.floor(s.lastSec / 60) - m0 + 1;
  const per = Math.max(1, Math.ceil(minutes / 60));
  const rows = Math.ceil(minutes / per);
  const p = new Float64Array(rows);
  const b = new Float64Array(rows);
  const add = (minute: number, packets: number, bytes: number): void => {
    const r = Math.floor((minute - m0) / per);
    p[r] += packets;
    b[r] += bytes;
  };
  for (let i = 0; i < MINUTE_BUCKETS; i++) if (s.minutePackets[i] > 0) add(s.originMinute + i, s.minutePackets[i], s.minuteBytes[i]);
  for (const [minute, e] of s.outlierMinutes) add(minute, e[0], e[1]);
  const buckets = [];
  for (let r = 0; r < rows; r++) buckets.push({ start: isoTime((m0 + r * per) * 60, 0), packets: p[r], bytes: b[r] });
  return { bucketSec: per * 60, buckets, ...(s.unbucketed > 0 ? { unbucketed: s.unbucketed } : {}) };
}

export function buildSummary(s: TrafficSummary, source: string, withVolume: boolean): SummaryReport {
  const protocols = [];
  for (let i = 0; i < s.protoPackets.length; i++) {
    if (s.protoPackets[i] > 0) protocols.push({ protocol: slotName(i), packets: s.protoPackets[i], bytes: s.protoBytes[i] });
  }
  protocols.sort((a, b) => b.packets - a.packets);
  const decode: Record<string, number> = {};
  s.statusPackets.forEach((n, i) => { if (n > 0) decode[DECODE_STATUS_NAMES[i]] = n; });
  const tunnels: Record<string, number> = {};
  s.tunnelPackets.forEach((n, i) => { if (n > 0) tunnels[TUNNEL_NAMES[i]] = n; });
  const report: SummaryReport = {
    source,
    packets: s.packets,
    bytes: s.bytes,
    // To the microsecond, as the packet exports and capinfos give them.
    first: s.firstSec >= 0 ? new TimestampText().format(s.earliestSec, s.earliestNsec) : null,
    last: s.firstSec >= 0 ? new TimestampText().format(s.lastSec, s.lastNsec) : null,
    durationSec: Math.round(s.durationSec * 1e6) / 1e6,
    protocols,
    decode,
    ...(Object.keys(tunnels).length > 0 ? { tunnels } : {}),
    topTalkers: s.talkers.top(10),
    talkerTable: { capacity: s.talkers.capacity, evictions: s.talkers.evictions },
  };
  if (withVolume) report.volume = volume(s);
  return report;
}

const nf = new Intl.NumberFormat('en-US');

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = -1;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return `${v.toFixed(1)} ${units[u]}`;
}

function pct(part: number, whole: number): string {
  return whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : '0.0%';
}

function bar(part: number, max: number, width = 30): string {
  return max > 0 ? '#'.repeat(Math.max(part > 0 ? 1 : 0, Math.round((width * part) / max))) : '';
}

export function renderSummary(r: SummaryReport): string {
  const out: string[] = [];
  out.push(`Summary: ${r.source}`);
  out.push(`  packets   ${nf.format(r.packets)}   bytes ${formatBytes(r.bytes)} (${nf.format(r.bytes)})   duration ${r.durationSec.toFixed(3)} s`);
  if (r.first !== null) out.push(`  time      ${r.first} .. ${r.last}`);
  if (r.stopReason) out.push(`  stopped   ${r.stopReason}`);
  if (r.files) {
    for (const f of r.files) {
      const cut = f.damage !== undefined ? `  (stopped at a ${f.damage}; the rest not read)`
        : f.cutAt >= 0 ? `  (cut short at byte offset ${f.cutAt})` : '';
      out.push(`  file      ${f.path}: ${f.format}, ${nf.format(f.packets)} packets, ${formatBytes(f.bytes)}${cut}`);
    }
  }
  out.push('  protocols');
  const maxP = r.protocols.reduce((m, p) => Math.max(m, p.packets), 0);
  for (const p of r.protocols) {
    out.push(`    ${p.protocol.padEnd(12)} ${nf.format(p.packets).padStart(12)} pkts ${pct(p.packets, r.packets).padStart(6)} ${formatBytes(p.bytes).padStart(11)}  ${bar(p.packets, maxP)}`);
  }
  const skipped = Object.entries(r.decode).filter(([k]) => k !== 'ok');
  out.push(`  decoded   ${nf.format(r.decode.ok ?? 0)} fully` + (skipped.length > 0
    ? `; not fully: ${skipped.map(([k, v]) => `${k} ${nf.format(v)}`).join(', ')}` : ''));
  if (r.tunnels) {
    out.push(`  tunnels   ${Object.entries(r.tunnels).map(([k, v]) => `${k} ${nf.format(v)}`).join(', ')} packets decapsulated ` +
      '(protocols, talkers, flows and alerts are those of the packets inside)');
  }
  if (r.topTalkers.length > 0) {
    const approx = r.talkerTable.evictions > 0
      ? ` (approximate: ${nf.format(r.talkerTable.evictions)} evictions from a table of ${r.talkerTable.capacity})` : '';
    out.push(`  top talkers by bytes sent${approx}`);
    for (const t of r.topTalkers) {
      out.push(`    ${t.address.padEnd(40)} ${nf.format(t.packets).padStart(12)} pkts ${formatBytes(t.bytes).padStart(11)}`);
    }
  }
  if (r.loss) {
    const l = r.loss;
    out.push(`  loss      ring (capture -> analysis): ${nf.format(l.ringDrops)} dropped (${formatBytes(l.ringDropBytes)}) of ${nf.format(l.seen)} frames`);
    if (l.pcap) {
      out.push(`            kernel (pcap_stats): ${nf.format(l.pcap.dropped)} dropped of ${nf.format(l.pcap.received)} (${pct(l.pcap.dropped, l.pcap.received)}), ` +
        `interface dropped ${nf.format(l.pcap.ifDropped)}`);
    } else {
      out.push('            kernel: not measurable (the device gave no pcap_stats)');
    }
    const ic = l.interfaceCounters;
    if (ic.measured) {
      out.push(`            interface counters: about ${nf.format(ic.estimate)} of ${nf.format(ic.expected)} packets not captured ` +
        `(${pct(ic.estimate, ic.expected)}, an estimate from rx+tx), rx_dropped ${nf.format(ic.rxDropped)}`);
    } else {
      out.push(`            interface counters: not comparable: ${ic.reason}`);
    }
  }
  if (r.run) {
    out.push(`  run       ${r.run.elapsedSec.toFixed(3)} s, ${nf.format(r.run.packetsPerSec)} packets/s, peak memory ${r.run.maxRssMiB} MiB`);
  }
  if (r.volume && r.volume.buckets.length > 0) {
    const min = r.volume.bucketSec / 60;
    const unit = r.volume.bucketSec === 1 ? 'second' : min < 1440 ? `${min} min` : `${nf.format(min)} min (${(min / 1440).toFixed(1)} days)`;
    out.push(`  volume per ${unit}${r.volume.unbucketed ? ` (${nf.format(r.volume.unbucketed)} packets in too many scattered minutes are left out)` : ''}`);
    const maxV = r.volume.buckets.reduce((m, b) => Math.max(m, b.packets), 0);
    for (const b of r.volume.buckets) {
      out.push(`    ${b.start.slice(0, 19).replace('T', ' ')} ${nf.format(b.packets).padStart(10)} pkts ${formatBytes(b.bytes).padStart(11)}  ${bar(b.packets, maxV)}`);
    }
  }
  if (r.detection) {
    const d = r.detection;
    out.push(`  flows     ${nf.format(d.flows.created)} tracked (table of ${nf.format(d.flows.capacity)}, ${nf.format(d.flows.evictions)} evicted); ` +
      `hosts table ${nf.format(d.hosts.capacity)} per direction, ${nf.format(d.hosts.evictions)} evicted; tracking memory ${d.trackingMemoryMiB} MiB`);
    const lf = d.flows.laterFragments;
    if (lf) {
      out.push(`  fragments ${nf.format(lf.seen)} later IP fragments, ${nf.format(lf.inFlows)} counted in their datagram's flow` +
        (lf.seen > lf.inFlows ? ` (the rest: first fragment not seen, or its flow already closed)` : '') +
        (lf.evictions > 0 ? `; ${nf.format(lf.evictions)} datagrams evicted from the fragment table` : ''));
    }
    if (d.intel) {
      out.push(`Threat intelligence: ${nf.format(d.intel.indicators)} indicators from ${d.intel.feeds.length} feed(s) ` +
        `(${d.intel.feeds.map((f) => `${f.feed} ${nf.format(f.indicators)}${f.badLines > 0 ? `, ${f.badLines} bad lines` : ''}`).join('; ')}); ` +
        `${nf.format(d.intel.matches)} matches`);
    }
    if (d.reputation) {
      const r = d.reputation;
      out.push(`Reputation lookups: ${r.fetched} fetched, ${r.cached} cached, ${r.errors} failed, ${r.skippedPrivate} private addresses skipped` +
        (r.rateLimited > 0 || r.dropped > 0 ? `, rate limit reached ${r.rateLimited} times, ${r.dropped} dropped` : ''));
    }
    if (d.model) {
      const m = d.model;
      out.push(`Model: ${m.path} (${m.type}, threshold ${m.threshold.toPrecision(4)}): ${nf.format(m.windowsScored)} host windows of ${m.windowSec} s scored, ` +
        `${nf.format(m.windowsAbove)} above the threshold, ${nf.format(m.windowsTooSmall)} too small to judge` +
        (m.hostsUntracked > 0 ? `, ${nf.format(m.hostsUntracked)} host-windows not tracked (table full)` : ''));
    }
    out.push(`Alerts: ${nf.format(d.alertsRaised)} raised, ${nf.format(d.alertsSuppressed)} repeats folded into incidents`);
    for (const a of d.alerts) out.push(`  ${alertLine(a)}`);
    if (d.alertsOmitted > 0) out.push(`  ... ${nf.format(d.alertsOmitted)} more (use --alerts FILE for all)`);
    out.push(`Incidents: ${nf.format(d.incidents.length)}`);
    for (const i of d.incidents) {
      const folded = i.count - i.alerts;
      out.push(`  #${i.id} ${i.detector} ${i.src_ip} -> ${i.dest_ip}: fired ${i.count} ${i.count === 1 ? 'time' : 'times'} ` +
        `(${i.alerts} ${i.alerts === 1 ? 'alert' : 'alerts'}${folded > 0 ? `, ${folded} folded` : ''}), ` +
        `${i.first_seen} .. ${i.last_seen}, peak score ${i.peak_score}${i.peak_detail !== '' ? `: ${i.peak_detail}` : ''}`);
    }
  }
  return out.join('\n') + '\n';
}
