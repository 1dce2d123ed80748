// Everything a report shows, read from a netwatch database for a time range: volume over time, protocol
// split, top senders/receivers/services, alerts and incidents, flagged hosts with their threat scores and
// the model's explanations, capture loss and the runs. Plain data (numbers and strings), so the HTML
// report, the PNG charts and the dashboard all draw from the same thing.

import type Database from 'better-sqlite3';
import type { DetectionConfig } from '../config/detection-defaults.js';
import { computeHostScores } from '../store/host-scores.js';
import type { AlertRow, IncidentRow } from '../store/queries.js';
import type { PortCount } from '../track/port-counts.js';
import type { TimelinePoint, TrafficProfile } from '../track/traffic-profile.js';
import type { Talker } from '../track/top-talkers.js';
import { NETWATCH_VERSION } from '../version.js';
import { fillBuckets, noTraffic } from './fill-buckets.js';
import { contributionText, type FeatureContribution } from '../detect/feature-baseline.js';

/** An alert as listed: the stored row with its evidence as text and the model's explanation. */
export type ReportAlert = Omit<AlertRow, 'eve'> & {
  epoch: number;
  incident_id: number | null;
  /** The numbers behind the verdict as key=value text (model features are in explanation). */
  evidence: string;
  /** Model alerts: the top features against their baseline, one line each. */
  explanation: string[];
};

export type ReportIncident = IncidentRow;

export interface ReportHost {
  host: string;
  score: number;
  role: 'attacker' | 'victim';
  alerts: number;
  reasons: string[];
}

export interface ReportRun {
  id: number;
  kind: string;
  source: string;
  started_at: string;
  ended_at: string | null;
  packets: number;
  bytes: number;
  ring_drops: number;
  kernel_drops: number;
  alerts: number;
  status: string;
}

export interface ReportData {
  title: string;
  generatedAt: string;
  version: string;
  /** Packet time covered, epoch seconds (null: nothing in range). */
  from: number | null;
  to: number | null;
  summary: {
    packets: number;
    bytes: number;
    runs: number;
    alerts: number;
    incidents: number;
    flaggedHosts: number;
    /** Hosts named by alerts in the range whose score decayed to 0.0 (alerts days older than the newest). */
    decayedHosts: number;
    ringDrops: number;
    kernelDrops: number;
    /** Dropped / (captured + dropped), percent. */
    lossPercent: number;
  };
  bucketSec: number;
  timeline: TimelinePoint[];
  /** Packets by protocol (minutes stored before schema v10 count ARP under other). */
  protocols: { tcp: number; udp: number; icmp: number; arp: number; other: number };
  topSources: Talker[];
  topDestinations: Talker[];
  /** Connections started per destination port. */
  topServices: PortCount[];
  /** Packets per source port (where answers came from). */
  topSourcePorts: PortCount[];
  alertsByDetector: { detector: string; count: number }[];
  /** Newest first, at most `maxRows`; summary.alerts has the full count. */
  alerts: ReportAlert[];
  incidents: ReportIncident[];
  hosts: ReportHost[];
  runs: ReportRun[];
}

export interface ReportQuery {
  title: string;
  /** Epoch seconds, inclusive (packet time of alerts and statistics). */
  since?: number;
  until?: number;
  weights: DetectionConfig['threatScore'];
  /** Only this run (a capture report kept in a database that holds other runs of the same traffic). */
  runId?: number;
  /** Threat scores halve every halfLifeHours before the newest alert (default); false weighs every alert in full. */
  decay?: boolean;
  /** Cap on alert and incident rows listed (the counts stay exact). */
  maxRows?: number;
  top?: number;
}

const TIMELINE_POINTS = 720;

/** A report of what the database holds between since and until. */
export function reportFromDatabase(db: Database.Database, q: ReportQuery): ReportData {
  const since = q.since ?? -Number.MAX_VALUE;
  const until = q.until ?? Number.MAX_VALUE;
  const maxRows = q.maxRows ?? 5000;
  const top = q.top ?? 10;
  // Statistics are kept per minute: a minute counts when it overlaps the range, as in netwatch stats (a
  // range inside one minute showed 0 packets beside that minute's alerts).
  const range = { since, until, minuteSince: q.since === undefined ? since : Math.floor(q.since / 60) * 60, run: q.runId ?? null };
  const inRun = q.runId === undefined ? '' : ' AND run_id = @run';

  const span = db.prepare(`SELECT min(minute_epoch) AS a, max(minute_epoch) AS b, coalesce(sum(packets), 0) AS packets,
    coalesce(sum(bytes), 0) AS bytes, coalesce(sum(tcp), 0) AS tcp, coalesce(sum(udp), 0) AS udp, coalesce(sum(icmp), 0) AS icmp,
    coalesce(sum(arp), 0) AS arp, coalesce(sum(other), 0) AS other, coalesce(sum(ring_drops), 0) AS ring, coalesce(sum(kernel_drops), 0) AS kernel
    FROM stats_minutes WHERE minute_epoch >= @minuteSince AND minute_epoch <= @until${inRun}`).get(range) as
    { a: number | null; b: number | null; packets: number; bytes: number; tcp: number; udp: number; icmp: number; arp: number; other: number; ring: number; kernel: number };
  const alertSpan = db.prepare(`SELECT min(ts_epoch) AS a, max(ts_epoch) AS b, count(*) AS n FROM alerts WHERE ts_epoch >= @since AND ts_epoch <= @until${inRun}`)
    .get(range) as { a: number | null; b: number | null; n: number };
  const from = minOf(span.a, alertSpan.a);
  const to = maxOf(span.b === null ? null : span.b + 60, alertSpan.b);

  // Minutes folded into wider buckets when the range is long, so a chart has at most TIMELINE_POINTS points.
  const minutes = span.a === null || span.b === null ? 0 : (span.b - span.a) / 60 + 1;
  let bucketSec = 60 * Math.max(1, Math.ceil(minutes / TIMELINE_POINTS));
  // Buckets start at multiples of their width, so the span can straddle one more: widen until it cannot
  // (every bucket from the first to the last is drawn, empty ones as zero).
  while (span.a !== null && span.b !== null && Math.floor(span.b / bucketSec) - Math.floor(span.a / bucketSec) + 1 > TIMELINE_POINTS) bucketSec += 60;
  // Minutes with no traffic have no row: their buckets are zeros, not a line drawn across the gap.
  const timeline = fillBuckets(db.prepare(`SELECT (minute_epoch / CAST(@b AS INTEGER)) * CAST(@b AS INTEGER) AS t, sum(packets) AS packets, sum(bytes) AS bytes, sum(tcp) AS tcp,
    sum(udp) AS udp, sum(icmp) AS icmp, sum(arp) AS arp, sum(other) AS other FROM stats_minutes WHERE minute_epoch >= @minuteSince AND minute_epoch <= @until${inRun}
    GROUP BY 1 ORDER BY 1`).all({ ...range, b: bucketSec }) as TimelinePoint[], bucketSec, noTraffic);

  // Each minute keeps its own top lists: summed over the range they rank the busiest well, though a host
  // that was never in a minute's top ten is missing from its total.
  const senders = new Map<string, Talker>();
  const receivers = new Map<string, Talker>();
  const services = new Map<string, PortCount>();
  const sourcePorts = new Map<string, PortCount>();
  const tops = db.prepare(`SELECT top_talkers, top_destinations, top_services, top_source_ports FROM stats_minutes
    WHERE minute_epoch >= @minuteSince AND minute_epoch <= @until${inRun}`);
  for (const r of tops.iterate(range) as Iterable<{ top_talkers: string; top_destinations: string; top_services: string; top_source_ports: string }>) {
    addTalkers(senders, r.top_talkers);
    addTalkers(receivers, r.top_destinations);
    addPorts(services, r.top_services);
    addPorts(sourcePorts, r.top_source_ports);
  }

  const alerts = (db.prepare(`SELECT id, timestamp, ts_epoch AS epoch, severity, detector, signature_id, signature, src_ip, src_port,
    dest_ip, dest_port, proto, score, incident_id, eve FROM alerts
    WHERE ts_epoch >= @since AND ts_epoch <= @until${inRun} ORDER BY ts_epoch DESC, id DESC LIMIT @limit`)
    .all({ ...range, limit: maxRows }) as (Omit<ReportAlert, 'explanation' | 'evidence'> & { eve: string })[])
    .map(({ eve, ...a }) => ({ ...a, ...evidenceOf(eve) }));
  const byDetector = db.prepare(`SELECT detector, count(*) AS count FROM alerts WHERE ts_epoch >= @since AND ts_epoch <= @until${inRun}
    GROUP BY detector ORDER BY count DESC, detector`).all(range) as { detector: string; count: number }[];
  const incidentCount = (db.prepare(`SELECT count(*) AS n FROM incidents WHERE last_epoch >= @since AND first_epoch <= @until${inRun}`)
    .get(range) as { n: number }).n;
  const incidents = db.prepare(`SELECT id, detector, signature, src_ip, dest_ip, first_seen, last_seen, count, alerts, peak_score, peak_detail
    FROM incidents WHERE last_epoch >= @since AND first_epoch <= @until${inRun} ORDER BY last_epoch DESC, id DESC LIMIT @limit`)
    .all({ ...range, limit: maxRows }) as ReportIncident[];
  const scored = alertSpan.n > 0
    ? computeHostScores(db, q.weights, { since: q.since ?? alertSpan.a ?? undefined, until, runId: q.runId, decay: q.decay }).hosts : [];
  const hosts = scored.filter((h) => h.score > 0).map((h) => ({ host: h.host, score: Math.round(h.score * 10) / 10, role: h.role, alerts: h.alerts, reasons: h.reasons }));
  const runs = db.prepare(`SELECT id, kind, source, started_at, ended_at, packets, bytes, ring_drops, kernel_drops, alerts, status
    FROM capture_runs WHERE id IN (SELECT DISTINCT run_id FROM stats_minutes WHERE minute_epoch >= @minuteSince AND minute_epoch <= @until${inRun}
    UNION SELECT DISTINCT run_id FROM alerts WHERE ts_epoch >= @since AND ts_epoch <= @until${inRun}) ORDER BY id`).all(range) as ReportRun[];

  const dropped = span.ring + span.kernel;
  return {
    title: q.title,
    generatedAt: new Date().toISOString(),
    version: NETWATCH_VERSION,
    from, to,
    summary: {
      packets: span.packets, bytes: span.bytes, runs: runs.length, alerts: alertSpan.n, incidents: incidentCount,
      flaggedHosts: hosts.length, decayedHosts: scored.length - hosts.length, ringDrops: span.ring, kernelDrops: span.kernel,
      lossPercent: dropped === 0 ? 0 : (100 * dropped) / (span.packets + dropped),
    },
    bucketSec,
    timeline,
    protocols: { tcp: span.tcp, udp: span.udp, icmp: span.icmp, arp: span.arp, other: span.other },
    topSources: rank(senders, top),
    topDestinations: rank(receivers, top),
    topServices: rankPorts(services, top),
    topSourcePorts: rankPorts(sourcePorts, top),
    alertsByDetector: byDetector,
    alerts,
    incidents,
    hosts,
    runs,
  };
}

/**
 * A report of one capture file: the database (a fresh one holding only this run) gives the alerts,
 * incidents, scores and loss; the profile gives volume in buckets finer than a minute and exact top lists.
 */
export function withProfile(data: ReportData, p: TrafficProfile, top = 10): ReportData {
  const timeline = p.timeline();
  const protocols = { tcp: 0, udp: 0, icmp: 0, arp: 0, other: 0 };
  for (const t of timeline) { protocols.tcp += t.tcp; protocols.udp += t.udp; protocols.icmp += t.icmp; protocols.arp += t.arp; protocols.other += t.other; }
  const seen = p.lastT >= p.firstT;
  return {
    ...data,
    // The file's own first and last packet (as capinfos gives them), not the chart's buckets or the database's minutes.
    from: seen ? p.firstT : data.from,
    to: seen ? p.lastT : data.to,
    bucketSec: p.bucketSec,
    timeline,
    protocols,
    topSources: p.tops.senders.top(top),
    topDestinations: p.tops.receivers.top(top),
    topServices: p.tops.services.top(top),
    topSourcePorts: p.tops.sourcePorts.top(top),
  };
}

function addTalkers(into: Map<string, Talker>, json: string): void {
  for (const t of JSON.parse(json) as Talker[]) {
    const e = into.get(t.address);
    if (e) { e.packets += t.packets; e.bytes += t.bytes; } else into.set(t.address, { ...t });
  }
}

function addPorts(into: Map<string, PortCount>, json: string): void {
  for (const s of JSON.parse(json) as PortCount[]) {
    const k = `${s.proto}/${s.port}`;
    const e = into.get(k);
    if (e) e.count += s.count; else into.set(k, { ...s });
  }
}

function rankPorts(m: Map<string, PortCount>, n: number): PortCount[] {
  return [...m.values()].sort((a, b) => b.count - a.count || a.port - b.port || (a.proto < b.proto ? -1 : 1)).slice(0, n);
}

function rank(m: Map<string, Talker>, n: number): Talker[] {
  return [...m.values()].sort((a, b) => b.bytes - a.bytes || b.packets - a.packets || (a.address < b.address ? -1 : 1)).slice(0, n);
}

const EVIDENCE_CHARS = 400;

/** The stored EVE record's evidence as text, and the model's explanation lines (a damaged record: none). */
export function evidenceOf(eve: string): { evidence: string; explanation: string[] } {
  let ev: Record<string, unknown> = {};
  try {
    const e = (JSON.parse(eve) as { netwatch?: { evidence?: Record<string, unknown> } }).netwatch?.evidence;
    if (e !== undefined && e !== null && typeof e === 'object') ev = e;
  } catch { /* shown without evidence */ }
  const top = ev.top_features;
  const explanation = Array.isArray(top) ? (top as FeatureContribution[]).map(contributionText) : [];
  let text = Object.entries(ev).filter(([k]) => k !== 'top_features')
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ');
  if (text.length > EVIDENCE_CHARS) text = text.slice(0, EVIDENCE_CHARS) + '...';
  return { evidence: text, explanation };
}

function minOf(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.min(a, b);
}

function maxOf(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.max(a, b);
}
