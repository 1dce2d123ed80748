// The assets table: what a network scanner found on each host (open ports, services, OS guess).
// An import replaces the scanned hosts' rows: the latest scan of a host is what it is known to serve.

import { existsSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { openDatabase } from './netwatch-db.js';
import type { NmapScan } from '../intel/nmap-xml.js';

export interface ImportResult { hosts: number; services: number; open: number }

export function importScan(db: Database.Database, scan: NmapScan, source: string): ImportResult {
  const at = new Date(scan.startedEpoch * 1000).toISOString();
  const putHost = db.prepare(`INSERT INTO assets (address, hostnames, mac, os, scanned_at, scanned_epoch, source) VALUES (?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT(address) DO UPDATE SET hostnames = excluded.hostnames, mac = excluded.mac, os = excluded.os,
      scanned_at = excluded.scanned_at, scanned_epoch = excluded.scanned_epoch, source = excluded.source`);
  const clear = db.prepare('DELETE FROM asset_services WHERE address = ?');
  const putService = db.prepare('INSERT OR REPLACE INTO asset_services (address, proto, port, state, service, product, version) VALUES (?, ?, ?, ?, ?, ?, ?)');
  let services = 0;
  let open = 0;
  db.transaction(() => {
    for (const h of scan.hosts) {
      putHost.run(h.address, h.hostnames.join(','), h.mac, h.os, at, scan.startedEpoch, source);
      clear.run(h.address);
      for (const s of h.services) {
        putService.run(h.address, s.proto, s.port, s.state, s.service, s.product, s.version);
        services++;
        if (s.state === 'open') open++;
      }
    }
  })();
  return { hosts: scan.hosts.length, services, open };
}

export interface AssetRow {
  address: string; hostnames: string; mac: string | null; os: string | null; scanned_at: string; source: string;
  open: string;
}

export function listAssets(db: Database.Database): AssetRow[] {
  return db.prepare(`SELECT a.address, a.hostnames, a.mac, a.os, a.scanned_at, a.source,
      coalesce((SELECT group_concat(s.proto || '/' || s.port || coalesce(' ' || s.service, ''), ', ')
        FROM (SELECT * FROM asset_services WHERE address = a.address AND state = 'open' ORDER BY proto, port) s), '') AS open
    FROM assets a ORDER BY a.address`).all() as AssetRow[];
}

/** Open services per scanned host, for the asset detector: "tcp/22" keys per address. */
export function loadOpenServices(db: Database.Database): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const r of db.prepare('SELECT address FROM assets').all() as { address: string }[]) out.set(r.address, new Set());
  for (const r of db.prepare("SELECT address, proto, port FROM asset_services WHERE state = 'open'").all() as { address: string; proto: string; port: number }[]) {
    out.get(r.address)?.add(`${r.proto}/${r.port}`);
  }
  return out;
}

/**
 * The open services of every scanned host in the database at dbPath, and when the newest scan ran; null
 * when there is no database, it predates the assets table, or it holds no assets (nothing to judge).
 */
export function readAssets(dbPath: string): { services: Map<string, Set<string>>; scannedAt: string } | null {
  if (!existsSync(dbPath)) return null;
  let db: Database.Database;
  try {
    db = openDatabase(dbPath, true);
  } catch {
    return null;
  }
  try {
    const services = loadOpenServices(db);
    if (services.size === 0) return null;
    const last = db.prepare('SELECT max(scanned_at) AS at FROM assets').get() as { at: string };
    return { services, scannedAt: last.at };
  } finally {
    db.close();
  }
}
