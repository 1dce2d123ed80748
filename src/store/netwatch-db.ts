// The SQLite store (better-sqlite3, WAL): opened and migrated once, every statement prepared at
// construction; alerts are committed the moment they are raised, with their incident; an incident's
// count from suppressed repeats goes out with the next batch (live: the daemon's retry each second, or the
// rollup job), and all at the end. Rows the database refuses while locked or full are kept and retried.

import Database from 'better-sqlite3';
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import type { AlertSink } from '../alert/alert-hub.js';
import { epochTimestamp, type EveAlert, type Incident } from '../alert/eve-alert.js';
import { NetwatchError } from '../errors.js';
import { MIGRATIONS, SCHEMA_VERSION } from './schema-migrations.js';
import { notADatabase, refuseDirectory } from './database-file.js';
import type { MinuteRow } from '../track/minute-stats.js';
import { CLOSE_REASON_NAMES, type CloseReason, type FlowTable } from '../track/flow-table.js';
import { wordsToString } from '../track/address-key.js';
import { eveProtocolName } from '../decode/protocol-names.js';
import type { FlowSink } from '../detect/detection-engine.js';

export type FlowStoreMode = 'off' | 'alerted' | 'all';
/** Minutes of statistics per write: files in batches; live every minute, so a dashboard is current. */
const STATS_BATCH_FILE = 10;
const FLOW_BATCH = 1000;
/**
 * Rows kept for a retry while the database refuses writes (locked by another process, a full disk):
 * alerts and flows beyond these are dropped and counted; statistics are a row a minute.
 */
const MAX_RETRY_ALERTS = 100_000;
const MAX_RETRY_FLOWS = 200_000;
/** After a refused write, direct writes wait this long (ms); rows queue meanwhile. */
const RETRY_AFTER_MS = 1000;
/**
 * A live capture's store waits at most this long for a lock (ms) before its rows queue for a retry: the
 * analysis thread writes synchronously, and 5 s waits stalled detection and filled the ring.
 */
const LIVE_BUSY_TIMEOUT_MS = 50;

/** EVE's "+0000" form to epoch seconds (with microseconds). */
export function eveEpoch(ts: string): number {
  const ms = Date.parse(ts.slice(0, 19) + 'Z');
  return ms / 1000 + Number(`0.${ts.slice(20, 26)}`);
}

export function openDatabase(path: string, readOnly: boolean): Database.Database {
  // A database to read that is not there is a bad --db (or NETWATCH_DB) value, exit 2 as for report and
  // serve; better-sqlite3 said "Cannot open database because the directory does not exist" when its
  // directory was missing too, and alerts, incidents and hosts exited 1.
  if (readOnly && !existsSync(path)) {
    throw new NetwatchError('NW_ERR_USAGE', `${path}: cannot open the database: no such database (run capture or analyze with --db first)`);
  }
  refuseDirectory(path, 'the database');
  let db: Database.Database;
  try {
    if (!readOnly) mkdirSync(dirname(path), { recursive: true });
    db = new Database(path, readOnly ? { readonly: true, fileMustExist: true } : {});
  } catch (e) {
    // Read-only opens fail this way when the file is missing; a write open when the directory or file
    // cannot be written (a read-only mount, permissions): the message said "no such database" for both.
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'SQLITE_CANTOPEN'
      ? (readOnly ? 'no such database (run capture or analyze with --db first)' : `cannot create or write it here (${cantWriteReason(path)})`)
      : (e as Error).message;
    throw new NetwatchError('NW_ERR_DB', `${path}: cannot open the database: ${why}`, { cause: e });
  }
  try {
    db.pragma('busy_timeout = 5000');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new NetwatchError('NW_ERR_USAGE', `${path}: database schema version ${version} is newer than this netwatch understands (${SCHEMA_VERSION}); use a newer netwatch`);
    }
    if (readOnly) {
      if (version < SCHEMA_VERSION) throw new NetwatchError('NW_ERR_USAGE', `${path}: database schema version ${version} is older than ${SCHEMA_VERSION}; open it once with capture or analyze to upgrade it`);
      return db;
    }
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    const pending = MIGRATIONS.filter((m) => m.version > version);
    for (const m of pending) {
      db.transaction(() => {
        db.exec(m.sql);
        db.pragma(`user_version = ${m.version}`);
      })();
    }
    return db;
  } catch (e) {
    db.close();
    if (e instanceof NetwatchError) throw e;
    throw notADatabase(path, e) ?? new NetwatchError('NW_ERR_DB', `${path}: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * How a run ended: completed; damaged (completed, but an input file was corrupt part way and the rest of
 * it was not read); failed (stopped by an error).
 */
export type RunStatus = 'completed' | 'damaged' | 'failed';

export interface RunTotals {
  packets: number;
  bytes: number;
  ringDrops: number;
  kernelDrops: number;
  alerts: number;
}

/** Writes one capture run (interface or files): its row, its alerts as they come, its incidents at the end. */
export class RunStore implements AlertSink, FlowSink {
  readonly path: string;
  readonly runId: number;
  /** Writes refused (disk full, locked); their rows are kept for a retry (bounded), and alerts still reached the other sinks. */
  writeErrors = 0;
  lastWriteError = '';
  /** Rows given up because the retry queues were full. */
  alertsDropped = 0;
  flowsDropped = 0;
  /** Rows the database refused for what they hold (a constraint), not for its state: never retried. */
  rowsRejected = 0;
  /** Alerts waiting for the database to take them again. */
  private readonly retryAlerts: Record<string, unknown>[] = [];
  /** Wall-clock time (ms) before which no write is tried (after a refusal). */
  private blockedUntil = 0;
  private readonly db: Database.Database;
  private readonly insertAlert: Database.Statement;
  private readonly upsertIncident: Database.Statement;
  private readonly finishRun: Database.Statement;
  private readonly progressRun: Database.Statement;
  private readonly insertStats: Database.Statement;
  private readonly insertFlow: Database.Statement;
  /** Statistics and flows are written in batches, one transaction each. */
  private readonly pendingStats: Record<string, unknown>[] = [];
  private readonly pendingFlows: Record<string, unknown>[] = [];
  /** Incidents touched by suppressed repeats since the last write, by run incident number. */
  private readonly pendingIncidents = new Map<number, Incident>();
  /**
   * The latest retention cutoff (epoch seconds): incidents last seen before it were deleted and are not
   * written again. The final write re-inserted every incident still held, so those the retention job had
   * purged came back, without their alerts, at every stop of the daemon.
   */
  private retainedFrom = -Infinity;
  private readonly statsBatch: number;
  private readonly flowMode: FlowStoreMode;
  flowsStored = 0;
  /** Runs of dead processes on this host that this store found still 'running' and marked 'interrupted'. */
  readonly runsInterrupted: number;

  constructor(path: string, kind: 'interface' | 'file', source: string, flowMode: FlowStoreMode = 'off') {
    this.path = path;
    this.flowMode = flowMode;
    this.statsBatch = kind === 'interface' ? 1 : STATS_BATCH_FILE;
    this.db = openDatabase(path, false);
    const db = this.db;
    this.insertAlert = db.prepare(`INSERT INTO alerts (run_id, timestamp, ts_epoch, signature_id, signature, category, severity,
      detector, src_ip, src_port, dest_ip, dest_port, proto, community_id, flow_id, score, incident_id, pcap_filename, pcap_cnt, eve)
      VALUES (@run, @timestamp, @epoch, @sid, @signature, @category, @severity, @detector, @src_ip, @src_port, @dest_ip,
      @dest_port, @proto, @community_id, @flow_id, @score, @incident, @pcap_filename, @pcap_cnt, @eve)`);
    this.upsertIncident = db.prepare(`INSERT INTO incidents (run_id, run_incident, detector, signature, key, src_ip, dest_ip,
      first_seen, last_seen, first_epoch, last_epoch, count, alerts, peak_score, peak_detail)
      VALUES (@run, @id, @detector, @signature, @key, @src_ip, @dest_ip, @first_seen, @last_seen, @first_epoch, @last_epoch,
      @count, @alerts, @peak_score, @peak_detail)
      ON CONFLICT (run_id, run_incident) DO UPDATE SET last_seen = excluded.last_seen, last_epoch = excluded.last_epoch,
      count = excluded.count, alerts = excluded.alerts, peak_score = excluded.peak_score, peak_detail = excluded.peak_detail`);
    this.progressRun = db.prepare(`UPDATE capture_runs SET packets = @packets, bytes = @bytes, ring_drops = @ringDrops,
      kernel_drops = @kernelDrops, alerts = @alerts WHERE id = @run`);
    this.finishRun = db.prepare(`UPDATE capture_runs SET ended_at = @ended, packets = @packets, bytes = @bytes,
      ring_drops = @ringDrops, kernel_drops = @kernelDrops, alerts = @alerts, status = @status WHERE id = @run`);
    this.insertStats = db.prepare(`INSERT INTO stats_minutes (run_id, minute, minute_epoch, packets, bytes, tcp, udp, icmp, arp, other,
      distinct_hosts, top_talkers, top_destinations, top_services, top_source_ports, ring_drops, kernel_drops) VALUES (@run, @minute,
      @minuteEpoch, @packets, @bytes, @tcp, @udp, @icmp, @arp, @other, @distinctHosts, @topTalkers, @topDestinations, @topServices,
      @topSourcePorts, @ringDrops, @kernelDrops)`);
    this.insertFlow = db.prepare(`INSERT INTO flows (run_id, ts, ts_epoch, src_ip, src_port, dest_ip, dest_port, proto, duration,
      orig_pkts, orig_bytes, resp_pkts, resp_bytes, conn_state, history, close_reason, community_id, flow_id, alerted)
      VALUES (@run, @ts, @epoch, @src_ip, @src_port, @dest_ip, @dest_port, @proto, @duration, @orig_pkts, @orig_bytes,
      @resp_pkts, @resp_bytes, @conn_state, @history, @close_reason, @community_id, @flow_id, @alerted)`);
    this.runsInterrupted = closeDeadRuns(db);
    const info = db.prepare('INSERT INTO capture_runs (kind, source, started_at, pid, host) VALUES (?, ?, ?, ?, ?)')
      .run(kind, source, new Date().toISOString(), process.pid, hostname());
    this.runId = Number(info.lastInsertRowid);
    // Starting waits for a lock as long as any run (another analyze writing); only the writes made while
    // capturing wait briefly.
    if (kind === 'interface') db.pragma(`busy_timeout = ${LIVE_BUSY_TIMEOUT_MS}`);
  }

  alert(a: EveAlert, json: string): void {
    const row = {
      run: this.runId, timestamp: a.timestamp, epoch: eveEpoch(a.timestamp), sid: a.alert.signature_id, signature: a.alert.signature,
      category: a.alert.category, severity: a.alert.severity, detector: a.netwatch.detector, src_ip: a.src_ip,
      src_port: a.src_port ?? null, dest_ip: a.dest_ip, dest_port: a.dest_port ?? null, proto: a.proto,
      community_id: a.community_id ?? null, flow_id: a.flow_id ?? null, score: a.netwatch.score, incident: a.netwatch.incident_id,
      pcap_filename: a.pcap_filename ?? null, pcap_cnt: a.pcap_cnt ?? null, eve: json,
    };
    // The store failing (disk full, locked) must not stop detection: the alert log and console still have
    // the alert, and its row waits for the database in order behind any already waiting.
    if (this.retryAlerts.length > 0 || Date.now() < this.blockedUntil) {
      this.queueAlert(row);
      this.retry();
      return;
    }
    try {
      this.insertAlert.run(row);
    } catch (e) {
      if (!transient(e)) { this.rejected(e); return; }
      this.refused(e);
      this.queueAlert(row);
    }
  }

  private rejected(e: unknown): void {
    this.writeErrors++;
    this.rowsRejected++;
    this.lastWriteError = (e as Error).message;
  }

  private queueAlert(row: Record<string, unknown>): void {
    if (this.retryAlerts.length >= MAX_RETRY_ALERTS) { this.alertsDropped++; return; }
    this.retryAlerts.push(row);
  }

  private refused(e: unknown): void {
    this.writeErrors++;
    this.lastWriteError = (e as Error).message;
    this.blockedUntil = Date.now() + RETRY_AFTER_MS;
  }

  /** Alerts, incidents, statistics and flows still waiting: written now if the database takes them (the daemon calls it every second). */
  retry(): void {
    if (this.queued > 0) this.flushBatches();
  }

  /** Rows waiting for the database (alerts, statistics, flows, incidents). */
  get queued(): number {
    return this.retryAlerts.length + this.pendingStats.length + this.pendingFlows.length + this.pendingIncidents.size;
  }

  /** A new alert's incident is written with it; a suppressed repeat's count waits for the next batch. */
  incident(i: Incident, raised: boolean): void {
    if (!this.retained(i)) return;
    if (raised && this.retryAlerts.length === 0 && Date.now() >= this.blockedUntil) {
      this.pendingIncidents.delete(i.id);
      try {
        this.upsertIncident.run(this.incidentRow(i));
      } catch (e) {
        if (!transient(e)) { this.rejected(e); return; }
        this.refused(e);
        this.pendingIncidents.set(i.id, i);
      }
    } else {
      this.pendingIncidents.set(i.id, i);
    }
  }

  private retained(i: Incident): boolean {
    return eveEpoch(i.last_seen) >= this.retainedFrom;
  }

  private incidentRow(i: Incident): Record<string, unknown> {
    return {
      run: this.runId, id: i.id, detector: i.detector, signature: i.signature, key: i.key, src_ip: i.src_ip, dest_ip: i.dest_ip,
      first_seen: i.first_seen, last_seen: i.last_seen, first_epoch: eveEpoch(i.first_seen), last_epoch: eveEpoch(i.last_seen),
      count: i.count, alerts: i.alerts, peak_score: i.peak_score, peak_detail: i.peak_detail,
    };
  }

  /** A finished minute of statistics; written with the next batch. */
  minute(row: MinuteRow): void {
    this.pendingStats.push({
      run: this.runId, minute: new Date(row.minuteEpoch * 1000).toISOString(), minuteEpoch: row.minuteEpoch, packets: row.packets,
      bytes: row.bytes, tcp: row.tcp, udp: row.udp, icmp: row.icmp, arp: row.arp, other: row.other, distinctHosts: row.distinctHosts,
      topTalkers: JSON.stringify(row.topTalkers), topDestinations: JSON.stringify(row.topDestinations),
      topServices: JSON.stringify(row.topServices), topSourcePorts: JSON.stringify(row.topSourcePorts), ringDrops: row.ringDrops, kernelDrops: row.kernelDrops,
    });
    if (this.pendingStats.length >= this.statsBatch) this.flushBatches();
  }

  flow(f: FlowTable, s: number, reason: CloseReason): void {
    if (this.flowMode === 'off' || (this.flowMode === 'alerted' && f.alerted(s) === 0)) return;
    const first = f.firstSeen(s);
    this.pendingFlows.push({
      run: this.runId, ts: epochTimestamp(first), epoch: first,
      src_ip: wordsToString(f.addrs, f.origAddrOffset(s)), src_port: f.origPort(s),
      dest_ip: wordsToString(f.addrs, f.respAddrOffset(s)), dest_port: f.respPort(s), proto: eveProtocolName(f.proto(s)),
      duration: f.duration(s), orig_pkts: f.packets(s, 0), orig_bytes: f.bytes(s, 0), resp_pkts: f.packets(s, 1),
      resp_bytes: f.bytes(s, 1), conn_state: f.connState(s), history: f.historyText(s),
      close_reason: CLOSE_REASON_NAMES[reason], community_id: f.communityId(s), flow_id: f.serialOf(s), alerted: f.alerted(s),
    });
    if (this.pendingFlows.length >= FLOW_BATCH) this.flushBatches();
  }

  /** Writes the pending statistics and flows now (the rollup job; otherwise every batch or at the end). */
  flush(): void {
    this.flushBatches();
  }

  private flushBatches(): void {
    if (Date.now() < this.blockedUntil) {
      this.boundFlows();
      return;
    }
    try {
      this.db.transaction(() => {
        for (const r of this.retryAlerts) this.write(this.insertAlert, r);
        for (const r of this.pendingStats) this.write(this.insertStats, r);
        for (const r of this.pendingFlows) this.write(this.insertFlow, r);
        for (const i of this.pendingIncidents.values()) if (this.retained(i)) this.write(this.upsertIncident, this.incidentRow(i));
      })();
    } catch (e) {
      // The database itself refused (locked, full): nothing of the batch was written (one transaction), and
      // it is all kept for the next try.
      this.refused(e);
      this.boundFlows();
      return;
    }
    this.flowsStored += this.pendingFlows.length;
    this.retryAlerts.length = 0;
    this.pendingStats.length = 0;
    this.pendingFlows.length = 0;
    this.pendingIncidents.clear();
  }

  /**
   * One row of a batch. A row the database will never take (a constraint) is counted and dropped, or it
   * would fail every retry of its batch and hold all the rows behind it; the statement's failure leaves
   * the transaction open. A refusal of the database itself (locked, full) aborts the batch.
   */
  private write(stmt: Database.Statement, row: Record<string, unknown>): void {
    try {
      stmt.run(row);
    } catch (e) {
      if (transient(e)) throw e;
      this.rejected(e);
    }
  }

  /** While writes are refused, flows beyond the retry bound are given up, oldest first, and counted. */
  private boundFlows(): void {
    const over = this.pendingFlows.length - MAX_RETRY_FLOWS;
    if (over > 0) {
      this.pendingFlows.splice(0, over);
      this.flowsDropped += over;
    }
  }

  /** Round trip of a trivial query, milliseconds (the daemon's stats line). */
  latencyMs(): number {
    const t0 = performance.now();
    this.db.prepare('SELECT 1').get();
    return performance.now() - t0;
  }

  /**
   * Deletes rows older than the cutoff (epoch seconds, wall clock) in batches, yielding between batches so
   * capture analysis never waits long. Returns rows deleted per table.
   */
  async deleteOlderThan(cutoff: number, batch: number): Promise<Record<string, number>> {
    const tables: [string, string][] = [
      ['alerts', 'ts_epoch'], ['flows', 'ts_epoch'], ['stats_minutes', 'minute_epoch'], ['incidents', 'last_epoch'],
      ['host_scores', 'ts_epoch'], ['reputation', 'fetched_epoch'],
    ];
    const deleted: Record<string, number> = {};
    if (cutoff > this.retainedFrom) this.retainedFrom = cutoff;
    for (const [table, column] of tables) {
      const stmt = this.db.prepare(`DELETE FROM ${table} WHERE rowid IN (SELECT rowid FROM ${table} WHERE ${column} < ? LIMIT ?)`);
      deleted[table] = 0;
      for (;;) {
        const n = stmt.run(cutoff, batch).changes;
        deleted[table] += n;
        if (n < batch) break;
        await new Promise((r) => setImmediate(r));
      }
    }
    return deleted;
  }

  /** Moves the WAL into the database file and truncates it. */
  checkpoint(): { busy: number; log: number; checkpointed: number } {
    const r = this.db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number; log: number; checkpointed: number }[];
    return r[0];
  }

  /**
   * A running capture's totals so far (the daemon's, every stats interval): reports and the dashboard
   * read them while it runs, not zeros until it stops. A refused write is counted; the next one catches up.
   */
  progress(totals: RunTotals): void {
    if (Date.now() < this.blockedUntil) return;
    try {
      this.progressRun.run({ run: this.runId, ...totals });
    } catch (e) {
      this.writeErrors++;
      this.lastWriteError = (e as Error).message;
    }
  }

  /** Records the run's incidents and totals, and closes the database. */
  finish(incidents: Incident[], totals: RunTotals, status: RunStatus): void {
    // A last try for what waits, whatever the back-off says, waiting as long as a file run would for a
    // lock: the database may have been released, and after this the rows are gone.
    this.blockedUntil = 0;
    this.db.pragma('busy_timeout = 5000');
    this.flushBatches();
    try {
      this.db.transaction(() => {
        for (const i of incidents) if (this.retained(i)) this.upsertIncident.run(this.incidentRow(i));
        this.finishRun.run({ run: this.runId, ended: new Date().toISOString(), ...totals, status });
      })();
    } catch (e) {
      this.writeErrors++;
      this.lastWriteError = (e as Error).message;
    }
    this.db.close();
  }
}

/**
 * Marks 'interrupted' the runs still 'running' whose process, on this host, is gone: a daemon killed with
 * SIGKILL (or a power cut) left its run 'running' forever, and reports listed it so. Another process's
 * live run, or one on another host sharing the file, is left alone. Returns how many were closed.
 */
function closeDeadRuns(db: Database.Database): number {
  const here = hostname();
  const rows = db.prepare(`SELECT id, pid FROM capture_runs WHERE status = 'running' AND host = ? AND pid IS NOT NULL`).all(here) as { id: number; pid: number }[];
  const close = db.prepare(`UPDATE capture_runs SET status = 'interrupted' WHERE id = ?`);
  let n = 0;
  for (const r of rows) {
    if (r.pid === process.pid || processAlive(r.pid)) continue;
    close.run(r.id);
    n++;
  }
  return n;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, owned by another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Why a database file cannot be opened for writing: the first of the file and its directory that refuses. */
function cantWriteReason(path: string): string {
  for (const p of [path, dirname(path)]) {
    try {
      accessSync(p, constants.W_OK);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') continue;
      return code === 'EROFS' ? 'read-only file system' : code === 'EACCES' ? `permission denied on ${p}` : String(code);
    }
  }
  return 'not writable';
}

/** Errors of the database's state (locked, full, I/O, read-only), which a later retry may get past. */
function transient(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' && /^SQLITE_(BUSY|LOCKED|FULL|IOERR|READONLY|CANTOPEN|PROTOCOL|NOMEM)/.test(code);
}
