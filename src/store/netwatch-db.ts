// The SQLite store (better-sqlite3, WAL): opened and migrated once, every statement prepared at
// construction; alerts are committed the moment they are raised, incidents when the run ends.

import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AlertSink } from '../alert/alert-hub.js';
import type { EveAlert, Incident } from '../alert/eve-alert.js';
import { NetwatchError } from '../errors.js';
import { MIGRATIONS, SCHEMA_VERSION } from './schema-migrations.js';

/** EVE's "+0000" form to epoch seconds (with microseconds). */
export function eveEpoch(ts: string): number {
  const ms = Date.parse(ts.slice(0, 19) + 'Z');
  return ms / 1000 + Number(`0.${ts.slice(20, 26)}`);
}

export function openDatabase(path: string, readOnly: boolean): Database.Database {
  let db: Database.Database;
  try {
    if (!readOnly) mkdirSync(dirname(path), { recursive: true });
    db = new Database(path, readOnly ? { readonly: true, fileMustExist: true } : {});
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'SQLITE_CANTOPEN' ? 'no such database (run capture or analyze with --db first)' : (e as Error).message;
    throw new NetwatchError('NW_ERR_DB', `${path}: cannot open the database: ${why}`, { cause: e });
  }
  try {
    db.pragma('busy_timeout = 5000');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new NetwatchError('NW_ERR_DB', `${path}: database schema version ${version} is newer than this netwatch understands (${SCHEMA_VERSION}); use a newer netwatch`);
    }
    if (readOnly) {
      if (version < SCHEMA_VERSION) throw new NetwatchError('NW_ERR_DB', `${path}: database schema version ${version} is older than ${SCHEMA_VERSION}; open it once with capture or analyze to upgrade it`);
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
    throw new NetwatchError('NW_ERR_DB', `${path}: ${(e as Error).message}`, { cause: e });
  }
}

export interface RunTotals {
  packets: number;
  bytes: number;
  ringDrops: number;
  kernelDrops: number;
  alerts: number;
}

/** Writes one capture run (interface or files): its row, its alerts as they come, its incidents at the end. */
export class RunStore implements AlertSink {
  readonly path: string;
  readonly runId: number;
  /** Alerts that could not be written (disk full...); they still reached the other sinks. */
  writeErrors = 0;
  lastWriteError = '';
  private readonly db: Database.Database;
  private readonly insertAlert: Database.Statement;
  private readonly upsertIncident: Database.Statement;
  private readonly finishRun: Database.Statement;

  constructor(path: string, kind: 'interface' | 'file', source: string) {
    this.path = path;
    this.db = openDatabase(path, false);
    const db = this.db;
    this.insertAlert = db.prepare(`INSERT INTO alerts (run_id, timestamp, ts_epoch, signature_id, signature, category, severity,
      detector, src_ip, src_port, dest_ip, dest_port, proto, community_id, score, incident_id, pcap_filename, pcap_cnt, eve)
      VALUES (@run, @timestamp, @epoch, @sid, @signature, @category, @severity, @detector, @src_ip, @src_port, @dest_ip,
      @dest_port, @proto, @community_id, @score, @incident, @pcap_filename, @pcap_cnt, @eve)`);
    this.upsertIncident = db.prepare(`INSERT INTO incidents (run_id, run_incident, detector, signature, key, src_ip, dest_ip,
      first_seen, last_seen, first_epoch, last_epoch, count, alerts, peak_score)
      VALUES (@run, @id, @detector, @signature, @key, @src_ip, @dest_ip, @first_seen, @last_seen, @first_epoch, @last_epoch,
      @count, @alerts, @peak_score)
      ON CONFLICT (run_id, run_incident) DO UPDATE SET last_seen = excluded.last_seen, last_epoch = excluded.last_epoch,
      count = excluded.count, alerts = excluded.alerts, peak_score = excluded.peak_score`);
    this.finishRun = db.prepare(`UPDATE capture_runs SET ended_at = @ended, packets = @packets, bytes = @bytes,
      ring_drops = @ringDrops, kernel_drops = @kernelDrops, alerts = @alerts, status = @status WHERE id = @run`);
    const info = db.prepare('INSERT INTO capture_runs (kind, source, started_at) VALUES (?, ?, ?)').run(kind, source, new Date().toISOString());
    this.runId = Number(info.lastInsertRowid);
  }

  alert(a: EveAlert, json: string): void {
    try {
      this.insertAlert.run({
        run: this.runId, timestamp: a.timestamp, epoch: eveEpoch(a.timestamp), sid: a.alert.signature_id, signature: a.alert.signature,
        category: a.alert.category, severity: a.alert.severity, detector: a.netwatch.detector, src_ip: a.src_ip,
        src_port: a.src_port ?? null, dest_ip: a.dest_ip, dest_port: a.dest_port ?? null, proto: a.proto,
        community_id: a.community_id ?? null, score: a.netwatch.score, incident: a.netwatch.incident_id,
        pcap_filename: a.pcap_filename ?? null, pcap_cnt: a.pcap_cnt ?? null, eve: json,
      });
    } catch (e) {
      // The store failing (disk full, locked) must not stop detection: the alert log and console still have it.
      this.writeErrors++;
      this.lastWriteError = (e as Error).message;
    }
  }

  /** Records the run's incidents and totals, and closes the database. */
  finish(incidents: Incident[], totals: RunTotals, status: 'completed' | 'failed'): void {
    try {
      this.db.transaction(() => {
        for (const i of incidents) {
          this.upsertIncident.run({
            run: this.runId, id: i.id, detector: i.detector, signature: i.signature, key: i.key, src_ip: i.src_ip, dest_ip: i.dest_ip,
            first_seen: i.first_seen, last_seen: i.last_seen, first_epoch: eveEpoch(i.first_seen), last_epoch: eveEpoch(i.last_seen),
            count: i.count, alerts: i.alerts, peak_score: i.peak_score,
          });
        }
        this.finishRun.run({ run: this.runId, ended: new Date().toISOString(), ...totals, status });
      })();
    } catch (e) {
      this.writeErrors++;
      this.lastWriteError = (e as Error).message;
    }
    this.db.close();
  }
}
