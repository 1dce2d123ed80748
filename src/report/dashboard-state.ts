// The dashboard's own small SQLite database beside the main one (`<db>-dashboard.db`): incident states
// (acknowledged, muted) and the generated access token. The main database stays read-only for `serve`,
// so a dashboard can never damage what capture writes, and capture never waits on a dashboard write.

import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { NetwatchError } from '../errors.js';
import { notADatabase, refuseDirectory } from '../store/database-file.js';

export type IncidentStateName = 'ack' | 'mute';

export interface IncidentState {
  incident_id: number;
  run_id: number;
  run_incident: number;
  /** first_seen|detector|src|dest of the incident when the state was set: a state survives only while it matches. */
  fingerprint: string;
  state: IncidentStateName;
  at: string;
  note: string;
}

const SCHEMA_VERSION = 1;
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS incident_state (
    incident_id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL,
    run_incident INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('ack', 'mute')),
    at TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
  );
  CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

export function sidecarPath(dbPath: string): string {
  return `${dbPath}-dashboard.db`;
}

export class DashboardState {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly putState: Database.Statement;
  private readonly deleteState: Database.Statement;
  private readonly allStates: Database.Statement;
  private readonly getSetting: Database.Statement;
  private readonly putSetting: Database.Statement;

  constructor(path: string) {
    this.path = path;
    const hint = ' (choose another with --state)';
    refuseDirectory(path, 'the dashboard state database', hint);
    // A directory that is not there is a mistyped --state (the default, beside the main database, exists).
    if (!existsSync(dirname(path))) {
      throw new NetwatchError('NW_ERR_USAGE', `${path}: cannot open the dashboard state database: no such directory ${dirname(path)}${hint}`);
    }
    try {
      this.db = new Database(path);
    } catch (e) {
      throw new NetwatchError('NW_ERR_DB', `${path}: cannot open the dashboard state database: ${(e as Error).message}${hint}`, { cause: e });
    }
    try {
      const version = this.db.pragma('user_version', { simple: true }) as number;
      if (version > SCHEMA_VERSION) throw new NetwatchError('NW_ERR_USAGE', `${path}: dashboard state schema ${version} is newer than this netwatch understands (${SCHEMA_VERSION})`);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('busy_timeout = 2000');
      this.db.exec(SCHEMA);
      this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
    } catch (e) {
      this.db.close();
      if (e instanceof NetwatchError) throw e;
      throw notADatabase(path, e, hint) ?? new NetwatchError('NW_ERR_DB', `${path}: ${(e as Error).message}`, { cause: e });
    }
    this.putState = this.db.prepare(`INSERT INTO incident_state (incident_id, run_id, run_incident, fingerprint, state, at, note)
      VALUES (@incident_id, @run_id, @run_incident, @fingerprint, @state, @at, @note)
      ON CONFLICT (incident_id) DO UPDATE SET run_id = excluded.run_id, run_incident = excluded.run_incident,
      fingerprint = excluded.fingerprint, state = excluded.state, at = excluded.at, note = excluded.note`);
    this.deleteState = this.db.prepare('DELETE FROM incident_state WHERE incident_id = ?');
    this.allStates = this.db.prepare('SELECT incident_id, run_id, run_incident, fingerprint, state, at, note FROM incident_state');
    this.getSetting = this.db.prepare('SELECT value FROM settings WHERE key = ?');
    this.putSetting = this.db.prepare('INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)');
  }

  states(): IncidentState[] {
    return this.allStates.all() as IncidentState[];
  }

  set(s: IncidentState): void {
    this.putState.run(s);
  }

  clear(incidentId: number): void {
    this.deleteState.run(incidentId);
  }

  /** The stored access token, made (32 random bytes, base64url) and stored on first use. */
  token(): { token: string; created: boolean } {
    const row = this.getSetting.get('token') as { value: string } | undefined;
    if (row !== undefined) return { token: row.value, created: false };
    const token = randomBytes(32).toString('base64url');
    this.putSetting.run('token', token);
    return { token, created: true };
  }

  close(): void {
    this.db.close();
  }
}
