// Read-only queries behind `netwatch alerts`, `incidents` and `stats`: filters become bound parameters.

import type Database from 'better-sqlite3';
import type { Incident } from '../alert/eve-alert.js';
import { SIGNATURES } from '../alert/signatures.js';
import type { TrafficCounts } from '../track/minute-stats.js';

export interface QueryFilter {
  /** Epoch seconds, inclusive. */
  since?: number;
  until?: number;
  /** At least this severe: 1 high, 2 medium, 3 low. */
  severity?: number;
  detector?: string;
  src?: string;
  dst?: string;
  limit: number;
}

export interface AlertRow {
  id: number;
  timestamp: string;
  severity: number;
  detector: string;
  signature_id: number;
  signature: string;
  src_ip: string;
  src_port: number | null;
  dest_ip: string;
  dest_port: number | null;
  proto: string;
  score: number;
  /** The run, and the incident within it (netwatch.incident_id of the EVE record; incidents' run_incident). */
  run_id: number;
  incident_id: number | null;
  eve: string;
}

/**
 * The incident as stored: its id is the database's; run_id and run_incident match an alert's run_id and
 * incident_id. Its severity is its detector's (every alert of a detector has the same, signatures.ts).
 */
export type IncidentRow = Pick<Incident, 'id' | 'detector' | 'signature' | 'src_ip' | 'dest_ip' | 'first_seen' | 'last_seen' | 'count' | 'alerts' | 'peak_score' | 'peak_detail'> &
  { run_id: number; run_incident: number; severity: number };

/** A detector's severity as SQL, from the fixed table of signatures (a detector not in it reads as low). */
const INCIDENT_SEVERITY = `CASE detector ${Object.entries(SIGNATURES).map(([d, s]) => `WHEN '${d}' THEN ${s.severity}`).join(' ')} ELSE 3 END`;

/**
 * The filter as SQL. Time selects rows whose span [startColumn, endColumn] overlaps [since, until]: an
 * alert's is one instant; an incident active in the range is selected even when it began before it or
 * was still going after it.
 */
function where(f: QueryFilter, startColumn: string, endColumn: string, params: Record<string, unknown>, severityColumn: string): string {
  const c: string[] = [];
  if (f.since !== undefined) { c.push(`${endColumn} >= @since`); params.since = f.since; }
  if (f.until !== undefined) { c.push(`${startColumn} <= @until`); params.until = f.until; }
  if (f.severity !== undefined) { c.push(`(${severityColumn}) <= @severity`); params.severity = f.severity; }
  if (f.detector !== undefined) { c.push('detector = @detector'); params.detector = f.detector; }
  if (f.src !== undefined) { c.push('src_ip = @src'); params.src = f.src; }
  if (f.dst !== undefined) { c.push('dest_ip = @dst'); params.dst = f.dst; }
  return c.length > 0 ? `WHERE ${c.join(' AND ')}` : '';
}

/** Newest first. */
export function queryAlerts(db: Database.Database, f: QueryFilter): AlertRow[] {
  const params: Record<string, unknown> = { limit: f.limit };
  const sql = `SELECT id, timestamp, severity, detector, signature_id, signature, src_ip, src_port, dest_ip, dest_port, proto, score, run_id, incident_id, eve
    FROM alerts ${where(f, 'ts_epoch', 'ts_epoch', params, 'severity')} ORDER BY ts_epoch DESC, id DESC LIMIT @limit`;
  return db.prepare(sql).all(params) as AlertRow[];
}

/** Most recently active first. */
export function queryIncidents(db: Database.Database, f: QueryFilter): IncidentRow[] {
  const params: Record<string, unknown> = { limit: f.limit };
  const sql = `SELECT id, run_id, run_incident, ${INCIDENT_SEVERITY} AS severity, detector, signature, src_ip, dest_ip, first_seen, last_seen,
    count, alerts, peak_score, peak_detail FROM incidents ${where(f, 'first_epoch', 'last_epoch', params, INCIDENT_SEVERITY)} ORDER BY last_epoch DESC, id DESC LIMIT @limit`;
  return db.prepare(sql).all(params) as IncidentRow[];
}

export interface StatsRow extends TrafficCounts {
  /** One row per minute and run: two runs (a capture beside the daemon) in one minute are two rows. */
  run_id: number;
  minute: string;
  distinct_hosts: number;
  top_talkers: string;
  ring_drops: number;
  kernel_drops: number;
}

/** Per-minute statistics, newest first. */
export function queryStats(db: Database.Database, f: QueryFilter): StatsRow[] {
  const params: Record<string, unknown> = { limit: f.limit };
  const c: string[] = [];
  if (f.since !== undefined) { c.push('minute_epoch >= @since'); params.since = Math.floor(f.since / 60) * 60; }
  if (f.until !== undefined) { c.push('minute_epoch <= @until'); params.until = f.until; }
  const sql = `SELECT run_id, minute, packets, bytes, tcp, udp, icmp, arp, other, distinct_hosts, top_talkers, ring_drops, kernel_drops
    FROM stats_minutes ${c.length > 0 ? `WHERE ${c.join(' AND ')}` : ''} ORDER BY minute_epoch DESC, id DESC LIMIT @limit`;
  return db.prepare(sql).all(params) as StatsRow[];
}
