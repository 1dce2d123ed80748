// The dashboard's reads of the netwatch database (opened read-only): every statement prepared once at
// construction, every value a bound parameter. Lists are paged and counts capped, so the cost of a request
// follows the page asked for, not the size of the database (docs/dashboard.md has the figures).

import type Database from 'better-sqlite3';
import { SIGNATURES } from '../alert/signatures.js';
import { evidenceOf } from './report-data.js';
import type { ScoreSnapshot } from './host-score-cache.js';
import type { AlertRow, IncidentRow } from '../store/queries.js';
import type { TimelinePoint } from '../track/traffic-profile.js';
import { volumeChart, barChart } from './chart-options.js';
import { fillBuckets, noTraffic } from './fill-buckets.js';
import { alertCountsChart, hostTrafficChart, niceBucket, type HostTrafficPoint, type SeverityBucket } from './dashboard-charts.js';

/** Time ranges the pages offer, seconds back from the newest data. */
export const RANGES: Readonly<Record<string, number>> = { '15m': 900, '1h': 3600, '6h': 21600, '24h': 86400, '7d': 604800, '30d': 2592000, all: Infinity };

export const ALERT_SORTS = { time: 'ts_epoch', severity: 'severity', score: 'score', detector: 'detector', src: 'src_ip', dest: 'dest_ip' } as const;
export const INCIDENT_SORTS = { last: 'last_epoch', first: 'first_epoch', count: 'count', score: 'peak_score', detector: 'detector' } as const;
export type AlertSort = keyof typeof ALERT_SORTS;
export type IncidentSort = keyof typeof INCIDENT_SORTS;

/** A list's total is counted up to this many rows ("10,000+" beyond): counting further costs more than the page. */
export const COUNT_CAP = 10_000;
const DETECTORS = Object.keys(SIGNATURES).sort();

export interface TimeRange {
  range: string;
  since: number;
  until: number;
}

export interface AlertQuery extends TimeRange {
  /** At least this severe: 1 high, 2 medium, 3 low (all). */
  severity: number;
  detector: string | null;
  /** Source or destination address. */
  host: string | null;
  sort: AlertSort;
  desc: boolean;
  limit: number;
  offset: number;
  /** "run:incident" keys of muted incidents whose alerts are left out (empty: none). */
  mutedAlertKeys: readonly string[];
}

export interface IncidentQuery extends TimeRange {
  detector: string | null;
  host: string | null;
  sort: IncidentSort;
  desc: boolean;
  limit: number;
  offset: number;
  /** Incident ids left out (empty: none). */
  mutedIds: readonly number[];
}

/** The flow an alert names, as the database stored it (with --db-flows alerted or all). */
export interface AlertFlow {
  ts: string;
  duration: number;
  src_ip: string;
  src_port: number;
  dest_ip: string;
  dest_port: number;
  proto: string;
  orig_pkts: number;
  orig_bytes: number;
  resp_pkts: number;
  resp_bytes: number;
  conn_state: string;
  history: string;
  close_reason: string;
  community_id: string;
}

/**
 * An alert as the dashboard lists it: the stored row with its run, incident and parsed evidence, and the
 * flow it names when the database kept that flow (null otherwise: no flow_id, or flows not stored).
 */
export type DashboardAlert = Omit<AlertRow, 'eve'> & {
  epoch: number;
  run_id: number;
  incident_id: number | null;
  flow_id: number | null;
  evidence: Record<string, unknown>;
  flow: AlertFlow | null;
};

/** The stored incident with the run it belongs to. */
export type DashboardIncident = IncidentRow & { run_id: number; run_incident: number };

type AlertDbRow = Omit<DashboardAlert, 'evidence' | 'flow'> & { eve: string };

const ALERT_COLUMNS = `id, timestamp, ts_epoch AS epoch, severity, detector, signature_id, signature, src_ip, src_port, dest_ip, dest_port,
  proto, score, run_id, incident_id, flow_id, eve`;
/**
 * The time range always; the severity and muted-incident conditions only in the statements that need them,
 * because either one makes SQLite read the table row behind each index entry (a count of a day of alerts
 * goes from a covering-index scan to one row lookup per alert).
 */
interface Shape { sev: boolean; muted: boolean; det: boolean; host: boolean }

function alertWhere(k: Shape): string {
  return 'ts_epoch >= @since AND ts_epoch <= @until'
    + (k.sev ? ' AND severity <= @severity' : '')
    + (k.muted ? " AND (incident_id IS NULL OR (run_id || ':' || incident_id) NOT IN (SELECT value FROM json_each(@muted)))" : '')
    + (k.det ? ' AND detector = @detector' : '');
}

const shapeKey = (k: Shape): string => `${+k.sev}${+k.muted}${+k.det}${+k.host}`;
const INCIDENT_COLUMNS = 'id, run_id, run_incident, detector, signature, src_ip, dest_ip, first_seen, last_seen, count, alerts, peak_score';

function alertOrder(sort: AlertSort, desc: boolean, alias = ''): string {
  const d = desc ? 'DESC' : 'ASC';
  // The outer ORDER BY of the host form reads the inner query's column names (epoch, not ts_epoch).
  const time = alias === '' ? 'ts_epoch' : 'epoch';
  if (sort === 'time') return `${time} ${d}, id ${d}`;
  return `${ALERT_SORTS[sort]} ${d}, ${time} DESC, id DESC`;
}

function alertListSql(sort: AlertSort, desc: boolean, k: Shape): string {
  if (!k.host) {
    return `SELECT ${ALERT_COLUMNS} FROM alerts WHERE ${alertWhere(k)} ORDER BY ${alertOrder(sort, desc)} LIMIT @limit OFFSET @offset`;
  }
  // Source and destination each use their own index; each side needs at most offset + limit rows.
  const side = (col: string): string => `SELECT * FROM (SELECT ${ALERT_COLUMNS} FROM alerts WHERE ${col} = @host AND ${alertWhere(k)}
    ORDER BY ${alertOrder(sort, desc)} LIMIT @window)`;
  return `SELECT * FROM (${side('src_ip')} UNION ${side('dest_ip')}) ORDER BY ${alertOrder(sort, desc, 'u')} LIMIT @limit OFFSET @offset`;
}

function alertCountSql(k: Shape): string {
  const host = k.host ? ' AND (src_ip = @host OR dest_ip = @host)' : '';
  return `SELECT count(*) AS n FROM (SELECT 1 FROM alerts WHERE ${alertWhere(k)}${host} LIMIT ${COUNT_CAP + 1})`;
}

function incidentListSql(sort: IncidentSort, desc: boolean): string {
  const d = desc ? 'DESC' : 'ASC';
  return `SELECT ${INCIDENT_COLUMNS} FROM incidents WHERE last_epoch >= @since AND first_epoch <= @until
    AND (@detector IS NULL OR detector = @detector) AND (@host IS NULL OR src_ip = @host OR dest_ip = @host)
    AND id NOT IN (SELECT value FROM json_each(@muted))
    ORDER BY ${INCIDENT_SORTS[sort]} ${d}, id ${d} LIMIT @limit OFFSET @offset`;
}

const INCIDENT_COUNT_SQL = `SELECT count(*) AS n FROM (SELECT 1 FROM incidents WHERE last_epoch >= @since AND first_epoch <= @until
  AND (@detector IS NULL OR detector = @detector) AND (@host IS NULL OR src_ip = @host OR dest_ip = @host)
  AND id NOT IN (SELECT value FROM json_each(@muted)) LIMIT ${COUNT_CAP + 1})`;

export class DashboardQueries {
  private readonly s: Record<string, Database.Statement>;
  private readonly alertList = new Map<string, Database.Statement>();
  private readonly alertCount = new Map<string, Database.Statement>();
  private readonly incidentList = new Map<string, Database.Statement>();
  /** One incident's alerts, by sort and direction: its run and number, within its first and last time. */
  private readonly incidentAlertList = new Map<string, Database.Statement>();
  private readonly incidentAlertCount: Database.Statement;
  private readonly incidentSpan: Database.Statement;
  private readonly detectorCount: Database.Statement;

  constructor(db: Database.Database) {
    const p = (sql: string): Database.Statement => db.prepare(sql);
    this.s = {
      span: p(`SELECT (SELECT min(minute_epoch) FROM stats_minutes) AS sa, (SELECT max(minute_epoch) FROM stats_minutes) AS sb,
        (SELECT min(ts_epoch) FROM alerts) AS aa, (SELECT max(ts_epoch) FROM alerts) AS ab`),
      recentMinutes: p(`SELECT minute_epoch AS t, sum(packets) AS packets, sum(bytes) AS bytes, sum(ring_drops) AS ring,
        sum(kernel_drops) AS kernel FROM stats_minutes WHERE minute_epoch >= (SELECT max(minute_epoch) FROM stats_minutes) - @back
        GROUP BY minute_epoch ORDER BY minute_epoch`),
      rangeTotals: p(`SELECT coalesce(sum(packets), 0) AS packets, coalesce(sum(bytes), 0) AS bytes, coalesce(sum(ring_drops), 0) AS ring,
        coalesce(sum(kernel_drops), 0) AS kernel, count(*) AS minutes FROM stats_minutes WHERE minute_epoch >= @since AND minute_epoch <= @until`),
      timeline: p(`SELECT (minute_epoch / CAST(@b AS INTEGER)) * CAST(@b AS INTEGER) AS t, sum(packets) AS packets, sum(bytes) AS bytes, sum(tcp) AS tcp, sum(udp) AS udp,
        sum(icmp) AS icmp, sum(arp) AS arp, sum(other) AS other FROM stats_minutes WHERE minute_epoch >= @since AND minute_epoch <= @until GROUP BY 1 ORDER BY 1`),
      alertTotal: p('SELECT count(*) AS n FROM alerts WHERE ts_epoch >= @since AND ts_epoch <= @until'),
      severityCount: p('SELECT count(*) AS n FROM alerts WHERE severity = @severity AND ts_epoch >= @since AND ts_epoch <= @until'),
      severityBuckets: p(`SELECT CAST(ts_epoch / @b AS INTEGER) AS k, count(*) AS n FROM alerts
        WHERE severity = @severity AND ts_epoch >= @since AND ts_epoch <= @until GROUP BY k`),
      incidentTotal: p(`SELECT count(*) AS n FROM (SELECT 1 FROM incidents WHERE last_epoch >= @since AND first_epoch <= @until LIMIT ${COUNT_CAP + 1})`),
      latest: p(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE ts_epoch >= @since AND ts_epoch <= @until ORDER BY ts_epoch DESC, id DESC LIMIT 10`),
      latestUnmuted: p(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE ${alertWhere({ sev: false, muted: true, det: false, host: false })}
        ORDER BY ts_epoch DESC, id DESC LIMIT 10`),
      // One muted incident's alerts within the range, grouped the ways the overview counts them.
      mutedGroups: p(`SELECT severity, detector, CAST(ts_epoch / @b AS INTEGER) AS k, count(*) AS n FROM alerts
        WHERE ts_epoch >= @lo AND ts_epoch <= @hi AND run_id = @run AND incident_id = @n GROUP BY 1, 2, 3`),
      incidentById: p(`SELECT ${INCIDENT_COLUMNS} FROM incidents WHERE id = ?`),
      incidentCount: p(INCIDENT_COUNT_SQL),
      hostDetectors: p(`SELECT detector, sum(n) AS count FROM (
        SELECT detector, count(*) AS n FROM alerts WHERE src_ip = @host AND ts_epoch >= @since AND ts_epoch <= @until GROUP BY detector
        UNION ALL
        SELECT detector, count(*) AS n FROM alerts WHERE dest_ip = @host AND src_ip <> @host AND ts_epoch >= @since AND ts_epoch <= @until GROUP BY detector)
        GROUP BY detector ORDER BY count DESC, detector`),
      hostAnomalies: p(`SELECT id, timestamp, eve FROM alerts WHERE src_ip = @host AND detector = 'anomaly' AND ts_epoch >= @since
        AND ts_epoch <= @until ORDER BY ts_epoch DESC LIMIT 20`),
      // instr() skips the minutes whose top lists do not mention the host before any JSON is parsed.
      hostMinutes: p(`SELECT minute_epoch AS t,
        coalesce((SELECT sum(j.value ->> 'bytes') FROM json_each(top_talkers) j WHERE j.value ->> 'address' = @host), 0) AS sent,
        coalesce((SELECT sum(j.value ->> 'bytes') FROM json_each(top_destinations) j WHERE j.value ->> 'address' = @host), 0) AS received
        FROM stats_minutes WHERE minute_epoch >= @since AND minute_epoch <= @until
        AND (instr(top_talkers, @needle) > 0 OR instr(top_destinations, @needle) > 0) ORDER BY minute_epoch`),
      asset: p('SELECT address, hostnames, mac, os, scanned_at, source FROM assets WHERE address = ?'),
      assetServices: p('SELECT proto, port, state, service, product, version FROM asset_services WHERE address = ? ORDER BY proto, port'),
      // One lookup per listed alert (a page is at most 500), on the (run_id, flow_id) index: a join in the
      // list's statement would be evaluated for every row a sort by score or severity reads.
      alertFlow: p(`SELECT ts, duration, src_ip, src_port, dest_ip, dest_port, proto, orig_pkts, orig_bytes, resp_pkts, resp_bytes,
        conn_state, history, close_reason, community_id FROM flows WHERE run_id = ? AND flow_id = ?`),
    };
    // Every shape of the alert list and its count, prepared here: 6 sorts x 2 directions x 16 filter shapes.
    for (const sev of [false, true]) {
      for (const muted of [false, true]) {
        for (const det of [false, true]) {
          for (const host of [false, true]) {
            const k = { sev, muted, det, host };
            this.alertCount.set(shapeKey(k), p(alertCountSql(k)));
            for (const sort of Object.keys(ALERT_SORTS) as AlertSort[]) {
              for (const desc of [true, false]) this.alertList.set(`${sort}|${desc}|${shapeKey(k)}`, p(alertListSql(sort, desc, k)));
            }
          }
        }
      }
    }
    for (const sort of Object.keys(INCIDENT_SORTS) as IncidentSort[]) {
      for (const desc of [true, false]) this.incidentList.set(`${sort}|${desc}`, p(incidentListSql(sort, desc)));
    }
    this.detectorCount = p('SELECT count(*) AS n FROM alerts WHERE detector = @detector AND ts_epoch >= @since AND ts_epoch <= @until');
    const ofIncident = 'ts_epoch >= @first AND ts_epoch <= @last AND run_id = @run AND incident_id = @n';
    for (const sort of Object.keys(ALERT_SORTS) as AlertSort[]) {
      for (const desc of [true, false]) {
        this.incidentAlertList.set(`${sort}|${desc}`, p(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE ${ofIncident} ORDER BY ${alertOrder(sort, desc)} LIMIT @limit OFFSET @offset`));
      }
    }
    this.incidentAlertCount = p(`SELECT count(*) AS n FROM alerts WHERE ${ofIncident}`);
    this.incidentSpan = p('SELECT run_id AS run, run_incident AS n, first_epoch AS first, last_epoch AS last FROM incidents WHERE id = ?');
  }

  /** Packet time of the oldest and newest data (alerts and statistics), or nulls for an empty database. */
  span(): { first: number | null; last: number | null } {
    const r = this.s.span.get() as { sa: number | null; sb: number | null; aa: number | null; ab: number | null };
    const first = [r.sa, r.aa].filter((x): x is number => x !== null);
    const last = [r.sb === null ? null : r.sb + 60, r.ab].filter((x): x is number => x !== null);
    return { first: first.length > 0 ? Math.min(...first) : null, last: last.length > 0 ? Math.max(...last) : null };
  }

  /**
   * A named range ends at the newest data, not at the wall clock: a database made by `analyze` from last
   * year's capture shows that capture; a live one ends now. since/until (epoch seconds) override it.
   */
  resolveRange(range: string, since?: number, until?: number): TimeRange {
    const span = this.span();
    const end = until ?? span.last ?? Date.now() / 1000;
    const back = RANGES[range];
    const start = since ?? (back === Infinity ? (span.first ?? end) : end - back);
    // since given: the response says so, not the range it replaced ("24h" for a range of years).
    return { range: since !== undefined ? 'custom' : range, since: start, until: end };
  }

  /**
   * The overview, without the alerts and incidents of `muted` (as the Alerts page shows them by default).
   * The counts stay index-only: the muted incidents' own alerts, found by their run and time span, are
   * counted apart and taken off.
   */
  overview(r: TimeRange, muted: { ids: readonly number[]; alertKeys: readonly string[] } = { ids: [], alertKeys: [] }): Record<string, unknown> {
    const range = { since: r.since, until: r.until };
    const recent = this.s.recentMinutes.all({ back: 240 }) as { t: number; packets: number; bytes: number; ring: number; kernel: number }[];
    const rp = recent.reduce((a, m) => ({ packets: a.packets + m.packets, bytes: a.bytes + m.bytes, dropped: a.dropped + m.ring + m.kernel }), { packets: 0, bytes: 0, dropped: 0 });
    const seconds = recent.length * 60;
    const totals = this.s.rangeTotals.get(range) as { packets: number; bytes: number; ring: number; kernel: number; minutes: number };
    const dropped = totals.ring + totals.kernel;
    const spanSec = Math.max(60, r.until - r.since);
    const tb = Math.max(60, niceBucket(spanSec, 360));
    const timeline = fillBuckets(this.s.timeline.all({ ...range, b: tb }) as TimelinePoint[], tb, noTraffic);
    const ab = niceBucket(spanSec, 120);
    const buckets = new Map<number, SeverityBucket>();
    const bySeverity: number[] = [];
    for (const severity of [1, 2, 3]) {
      bySeverity.push((this.s.severityCount.get({ ...range, severity }) as { n: number }).n);
      for (const row of this.s.severityBuckets.all({ ...range, severity, b: ab }) as { k: number; n: number }[]) {
        let b = buckets.get(row.k);
        if (b === undefined) buckets.set(row.k, (b = { t: row.k * ab, counts: [0, 0, 0] }));
        b.counts[severity - 1] = row.n;
      }
    }
    let total = (this.s.alertTotal.get(range) as { n: number }).n;
    const mutedByDetector = new Map<string, number>();
    for (const id of muted.ids) {
      const span = this.incidentSpan.get(id) as { run: number; n: number; first: number; last: number } | undefined;
      if (span === undefined) continue;
      const lo = Math.max(r.since, span.first);
      const hi = Math.min(r.until, span.last);
      if (lo > hi) continue;
      for (const g of this.s.mutedGroups.all({ lo, hi, run: span.run, n: span.n, b: ab }) as { severity: number; detector: string; k: number; n: number }[]) {
        total -= g.n;
        bySeverity[g.severity - 1] -= g.n;
        mutedByDetector.set(g.detector, (mutedByDetector.get(g.detector) ?? 0) + g.n);
        const b = buckets.get(g.k);
        if (b !== undefined) {
          b.counts[g.severity - 1] -= g.n;
          if (b.counts.every((c) => c === 0)) buckets.delete(g.k);
        }
      }
    }
    const byDetector: { detector: string; count: number }[] = [];
    let known = 0;
    // One index range count per known detector: cheaper than grouping a day of rows read from the table.
    for (const detector of DETECTORS) {
      const n = (this.detectorCount.get({ ...range, detector }) as { n: number }).n - (mutedByDetector.get(detector) ?? 0);
      known += n;
      if (n > 0) byDetector.push({ detector, count: n });
    }
    if (total > known) byDetector.push({ detector: 'other', count: total - known });
    byDetector.sort((a, b) => b.count - a.count || (a.detector < b.detector ? -1 : 1));
    const incidentTotal = muted.ids.length === 0 ? (this.s.incidentTotal.get(range) as { n: number }).n
      : (this.s.incidentCount.get({ ...range, detector: null, host: null, muted: JSON.stringify(muted.ids) }) as { n: number }).n;
    return {
      range: r,
      rates: {
        minutes: recent.length,
        newestMinute: recent.length > 0 ? recent[recent.length - 1].t : null,
        packetsPerSec: seconds > 0 ? rp.packets / seconds : 0,
        bytesPerSec: seconds > 0 ? rp.bytes / seconds : 0,
        lossPercent: rp.dropped === 0 ? 0 : (100 * rp.dropped) / (rp.packets + rp.dropped),
      },
      traffic: { packets: totals.packets, bytes: totals.bytes, minutes: totals.minutes, ringDrops: totals.ring, kernelDrops: totals.kernel,
        lossPercent: dropped === 0 ? 0 : (100 * dropped) / (totals.packets + dropped) },
      alerts: { total, bySeverity: { high: bySeverity[0], medium: bySeverity[1], low: bySeverity[2] }, byDetector },
      incidents: Math.min(COUNT_CAP, incidentTotal),
      incidentsCapped: incidentTotal > COUNT_CAP,
      // Muted incidents, all of them (the Alerts page's mutedCount): their alerts are left out of every figure here.
      mutedCount: muted.ids.length,
      latest: ((muted.alertKeys.length === 0 ? this.s.latest.all(range)
        : this.s.latestUnmuted.all({ ...range, muted: JSON.stringify(muted.alertKeys) })) as AlertDbRow[]).map(this.toAlert),
      charts: {
        traffic: volumeChart(timeline, tb),
        alerts: alertCountsChart([...buckets.values()].sort((a, b) => a.t - b.t), ab),
        detectors: barChart('Alerts by detector', 'alerts', byDetector.slice(0, 12).map((d) => ({ label: d.detector, value: d.count }))),
      },
    };
  }

  alerts(q: AlertQuery): { total: number; capped: boolean; rows: DashboardAlert[] } {
    const k: Shape = { sev: q.severity < 3, muted: q.mutedAlertKeys.length > 0, det: q.detector !== null, host: q.host !== null };
    const params: Record<string, unknown> = { since: q.since, until: q.until };
    if (k.sev) params.severity = q.severity;
    if (k.muted) params.muted = JSON.stringify(q.mutedAlertKeys);
    if (k.det) params.detector = q.detector;
    if (k.host) params.host = q.host;
    const n = ((this.alertCount.get(shapeKey(k)) as Database.Statement).get(params) as { n: number }).n;
    const page = { ...params, limit: q.limit, offset: q.offset, ...(k.host ? { window: q.offset + q.limit } : {}) };
    const rows = (this.alertList.get(`${q.sort}|${q.desc}|${shapeKey(k)}`) as Database.Statement).all(page) as AlertDbRow[];
    return { total: Math.min(n, COUNT_CAP), capped: n > COUNT_CAP, rows: rows.map(this.toAlert) };
  }

  incidents(q: IncidentQuery): { total: number; capped: boolean; rows: DashboardIncident[] } {
    const params = { since: q.since, until: q.until, detector: q.detector, host: q.host, muted: JSON.stringify(q.mutedIds) };
    const rows = (this.incidentList.get(`${q.sort}|${q.desc}`) as Database.Statement).all({ ...params, limit: q.limit, offset: q.offset }) as DashboardIncident[];
    const n = (this.s.incidentCount.get(params) as { n: number }).n;
    return { total: Math.min(n, COUNT_CAP), capped: n > COUNT_CAP, rows };
  }

  /** The alerts of one incident (its id in the incidents table), or undefined when there is no such incident. */
  incidentAlerts(id: number, sort: AlertSort, desc: boolean, limit: number, offset: number):
    { incident: DashboardIncident; total: number; capped: boolean; rows: DashboardAlert[] } | undefined {
    const span = this.incidentSpan.get(id) as { run: number; n: number; first: number; last: number } | undefined;
    if (span === undefined) return undefined;
    const n = (this.incidentAlertCount.get(span) as { n: number }).n;
    const rows = (this.incidentAlertList.get(`${sort}|${desc}`) as Database.Statement).all({ ...span, limit, offset }) as AlertDbRow[];
    return { incident: this.incident(id) as DashboardIncident, total: n, capped: false, rows: rows.map(this.toAlert) };
  }

  /**
   * A stored alert row as the dashboard lists it: evidence parsed, and the flow it names when that flow was
   * stored (its flow_id, or for an ARP redirection, which names no flow of its own addresses, the
   * redirected flow in its evidence).
   */
  private readonly toAlert = (r: AlertDbRow): DashboardAlert => {
    const { eve, ...rest } = r;
    const evidence = parsedEvidence(eve);
    const redirected = evidence.redirected_flow as { flow_id?: unknown } | undefined;
    const flowId = r.flow_id ?? (typeof redirected?.flow_id === 'number' ? redirected.flow_id : null);
    const flow = flowId === null ? undefined : this.s.alertFlow.get(r.run_id, flowId) as AlertFlow | undefined;
    return { ...rest, evidence, flow: flow ?? null };
  };

  incident(id: number): DashboardIncident | undefined {
    return this.s.incidentById.get(id) as DashboardIncident | undefined;
  }

  /** One host: its score from `scores` (HostScoreCache), its traffic from the top lists, its alerts and the model's reasons. */
  host(ip: string, r: TimeRange, mutedAlertKeys: readonly string[], scores: ScoreSnapshot): Record<string, unknown> {
    const range = { since: r.since, until: r.until };
    const rank = scores.byHost.get(ip);
    const score = rank === undefined ? null : { ...scores.hosts[rank], rank: rank + 1, of: scores.hosts.length, asOf: scores.at };
    const minutes = this.s.hostMinutes.all({ ...range, host: ip, needle: `"address":${JSON.stringify(ip)}` }) as HostTrafficPoint[];
    // Buckets sized to the host's own traffic, not the range: over a range of years a host seen for two
    // minutes was one point under "Bytes per 30 days" on an axis ECharts spread over two days.
    const b = minutes.length === 0 ? 60 : Math.max(60, niceBucket(minutes[minutes.length - 1].t + 60 - minutes[0].t, 240));
    const folded = new Map<number, HostTrafficPoint>();
    let sent = 0;
    let received = 0;
    for (const m of minutes) {
      const t = Math.floor(m.t / b) * b;
      const p = folded.get(t);
      if (p === undefined) folded.set(t, { t, sent: m.sent, received: m.received });
      else { p.sent += m.sent; p.received += m.received; }
      sent += m.sent;
      received += m.received;
    }
    const alerts = this.alerts({ ...r, severity: 3, detector: null, host: ip, sort: 'time', desc: true, limit: 100, offset: 0, mutedAlertKeys });
    const explanations = (this.s.hostAnomalies.all({ ...range, host: ip }) as { id: number; timestamp: string; eve: string }[])
      .map((a) => ({ id: a.id, timestamp: a.timestamp, lines: evidenceOf(a.eve).explanation }));
    const asset = this.s.asset.get(ip) as Record<string, unknown> | undefined;
    return {
      host: ip,
      range: r,
      score,
      traffic: { sentBytes: sent, receivedBytes: received, minutes: minutes.length },
      byDetector: this.s.hostDetectors.all({ ...range, host: ip }),
      alerts,
      explanations,
      asset: asset === undefined ? null : { ...asset, services: this.s.assetServices.all(ip) },
      // Minutes the host was not among the top talkers count 0, including whole buckets of them.
      charts: { traffic: hostTrafficChart(fillBuckets([...folded.values()].sort((x, y) => x.t - y.t), b, (t) => ({ t, sent: 0, received: 0 })), b) },
    };
  }
}

function parsedEvidence(eve: string): Record<string, unknown> {
  try {
    const e = (JSON.parse(eve) as { netwatch?: { evidence?: Record<string, unknown> } }).netwatch?.evidence;
    if (e !== undefined && e !== null && typeof e === 'object') return e;
  } catch { /* a damaged row shows without evidence */ }
  return {};
}
