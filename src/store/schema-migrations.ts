// The database schema as numbered migrations, applied in order on open and recorded in PRAGMA user_version.

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'capture runs, alerts and incidents',
    sql: `
      CREATE TABLE capture_runs (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('interface', 'file')),
        source TEXT NOT NULL,
        started_at TEXT NOT NULL,
        ended_at TEXT,
        packets INTEGER NOT NULL DEFAULT 0,
        bytes INTEGER NOT NULL DEFAULT 0,
        ring_drops INTEGER NOT NULL DEFAULT 0,
        kernel_drops INTEGER NOT NULL DEFAULT 0,
        alerts INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL DEFAULT 'running'
      );
      CREATE TABLE alerts (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES capture_runs(id),
        timestamp TEXT NOT NULL,
        ts_epoch REAL NOT NULL,
        signature_id INTEGER NOT NULL,
        signature TEXT NOT NULL,
        category TEXT NOT NULL,
        severity INTEGER NOT NULL,
        detector TEXT NOT NULL,
        src_ip TEXT NOT NULL,
        src_port INTEGER,
        dest_ip TEXT NOT NULL,
        dest_port INTEGER,
        proto TEXT NOT NULL,
        community_id TEXT,
        score REAL NOT NULL,
        incident_id INTEGER,
        pcap_filename TEXT,
        pcap_cnt INTEGER,
        eve TEXT NOT NULL
      );
      CREATE INDEX alerts_time ON alerts (ts_epoch);
      CREATE INDEX alerts_severity_time ON alerts (severity, ts_epoch);
      CREATE INDEX alerts_detector_time ON alerts (detector, ts_epoch);
      CREATE INDEX alerts_src_time ON alerts (src_ip, ts_epoch);
      CREATE INDEX alerts_dest_time ON alerts (dest_ip, ts_epoch);
      CREATE TABLE incidents (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES capture_runs(id),
        run_incident INTEGER NOT NULL,
        detector TEXT NOT NULL,
        signature TEXT NOT NULL,
        key TEXT NOT NULL,
        src_ip TEXT NOT NULL,
        dest_ip TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        first_epoch REAL NOT NULL,
        last_epoch REAL NOT NULL,
        count INTEGER NOT NULL,
        alerts INTEGER NOT NULL,
        peak_score REAL NOT NULL,
        UNIQUE (run_id, run_incident)
      );
      CREATE INDEX incidents_last ON incidents (last_epoch);
    `,
  },
  {
    version: 2,
    description: 'per-minute statistics and flows',
    sql: `
      CREATE TABLE stats_minutes (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES capture_runs(id),
        minute TEXT NOT NULL,
        minute_epoch INTEGER NOT NULL,
        packets INTEGER NOT NULL,
        bytes INTEGER NOT NULL,
        tcp INTEGER NOT NULL,
        udp INTEGER NOT NULL,
        icmp INTEGER NOT NULL,
        other INTEGER NOT NULL,
        distinct_hosts INTEGER NOT NULL,
        top_talkers TEXT NOT NULL,
        ring_drops INTEGER NOT NULL,
        kernel_drops INTEGER NOT NULL
      );
      CREATE INDEX stats_minutes_time ON stats_minutes (minute_epoch);
      CREATE TABLE flows (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES capture_runs(id),
        ts TEXT NOT NULL,
        ts_epoch REAL NOT NULL,
        src_ip TEXT NOT NULL,
        src_port INTEGER NOT NULL,
        dest_ip TEXT NOT NULL,
        dest_port INTEGER NOT NULL,
        proto TEXT NOT NULL,
        duration REAL NOT NULL,
        orig_pkts INTEGER NOT NULL,
        orig_bytes INTEGER NOT NULL,
        resp_pkts INTEGER NOT NULL,
        resp_bytes INTEGER NOT NULL,
        conn_state TEXT NOT NULL,
        history TEXT NOT NULL,
        close_reason TEXT NOT NULL,
        community_id TEXT NOT NULL,
        alerted INTEGER NOT NULL
      );
      CREATE INDEX flows_time ON flows (ts_epoch);
      CREATE INDEX flows_community ON flows (community_id);
    `,
  },
  {
    version: 3,
    description: 'assets and their services, from network scanner results (netwatch assets import)',
    sql: `
      CREATE TABLE assets (
        address TEXT PRIMARY KEY,
        hostnames TEXT NOT NULL,
        mac TEXT,
        os TEXT,
        scanned_at TEXT NOT NULL,
        scanned_epoch REAL NOT NULL,
        source TEXT NOT NULL
      );
      CREATE TABLE asset_services (
        address TEXT NOT NULL REFERENCES assets(address) ON DELETE CASCADE,
        proto TEXT NOT NULL,
        port INTEGER NOT NULL,
        state TEXT NOT NULL,
        service TEXT,
        product TEXT,
        version TEXT,
        PRIMARY KEY (address, proto, port)
      );
    `,
  },
  {
    version: 4,
    description: 'threat scores per host over time',
    sql: `
      CREATE TABLE host_scores (
        ts_epoch REAL NOT NULL,
        host TEXT NOT NULL,
        score REAL NOT NULL,
        role TEXT NOT NULL,
        reasons TEXT NOT NULL,
        PRIMARY KEY (host, ts_epoch)
      );
      CREATE INDEX host_scores_time ON host_scores (ts_epoch);
    `,
  },
  {
    version: 5,
    description: 'online reputation lookups, cached with their time',
    sql: `
      CREATE TABLE reputation (
        address TEXT PRIMARY KEY,
        fetched_epoch REAL NOT NULL,
        status INTEGER NOT NULL,
        score REAL,
        body TEXT NOT NULL
      );
    `,
  },
  {
    version: 6,
    description: 'per-minute top receivers, services and source ports, for reports and the dashboard',
    sql: `
      ALTER TABLE stats_minutes ADD COLUMN top_destinations TEXT NOT NULL DEFAULT '[]';
      ALTER TABLE stats_minutes ADD COLUMN top_services TEXT NOT NULL DEFAULT '[]';
      ALTER TABLE stats_minutes ADD COLUMN top_source_ports TEXT NOT NULL DEFAULT '[]';
    `,
  },
  {
    version: 7,
    description: "an incident's text at its peak score (a scan's port count when it ended, not when it crossed the threshold)",
    sql: `
      ALTER TABLE incidents ADD COLUMN peak_detail TEXT NOT NULL DEFAULT '';
    `,
  },
  {
    version: 8,
    description: 'the process and host writing a run, so a run whose process died (kill -9, power loss) is found and closed',
    sql: `
      ALTER TABLE capture_runs ADD COLUMN pid INTEGER;
      ALTER TABLE capture_runs ADD COLUMN host TEXT;
    `,
  },
  {
    version: 9,
    description: "each alert's and each flow's flow_id (the flow's number in its run), to join an alert to its flow exactly",
    sql: `
      ALTER TABLE alerts ADD COLUMN flow_id INTEGER;
      ALTER TABLE flows ADD COLUMN flow_id INTEGER;
      CREATE INDEX flows_run_flow ON flows (run_id, flow_id);
    `,
  },
  {
    version: 10,
    description: 'ARP counted apart in the per-minute statistics (rows written before count it under other)',
    sql: `
      ALTER TABLE stats_minutes ADD COLUMN arp INTEGER NOT NULL DEFAULT 0;
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;
