// Optional online reputation of addresses that alerted, from an HTTP API in the style of AbuseIPDB or
// OTX: never on the packet path (alerts queue an address; a pump fetches in the background), cached in
// SQLite with a TTL, rate-limited (a token bucket per minute), each request bounded by a timeout.
// Private, loopback and link-local addresses are never sent anywhere.

import type Database from 'better-sqlite3';
import { isIP } from 'node:net';

export interface ReputationConfig {
  /** The API address with {ip} where the address goes, e.g. https://api.abuseipdb.com/api/v2/check?ipAddress={ip} */
  url: string;
  /** Header carrying the key (AbuseIPDB: Key, OTX: X-OTX-API-KEY), and the key (or NETWATCH_REPUTATION_KEY). */
  keyHeader: string;
  key: string | null;
  /** Dotted path of the score in the JSON answer, e.g. data.abuseConfidenceScore */
  scorePath: string;
  ttlHours: number;
  requestsPerMinute: number;
  timeoutMs: number;
  /** Addresses waiting at most; more are dropped and counted. */
  maxQueue: number;
}

export interface ReputationStats { queued: number; fetched: number; cached: number; errors: number; rateLimited: number; dropped: number; skippedPrivate: number }

/** True for addresses no outside service should hear about. */
export function isPrivateAddress(ip: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped !== null) return isPrivateAddress(mapped[1]);
  const v = isIP(ip);
  if (v === 4) {
    const [a, b] = ip.split('.').map(Number);
    return a === 10 || a === 127 || a === 0 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254) ||
      (a === 100 && b >= 64 && b <= 127) || a >= 224;
  }
  if (v === 6) {
    const l = ip.toLowerCase();
    return l === '::1' || l === '::' || l.startsWith('fc') || l.startsWith('fd') || l.startsWith('fe8') || l.startsWith('fe9') ||
      l.startsWith('fea') || l.startsWith('feb') || l.startsWith('ff');
  }
  return true;
}

function pick(obj: unknown, path: string): number | null {
  let cur: unknown = obj;
  for (const k of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return null;
    cur = (cur as Record<string, unknown>)[k];
  }
  return typeof cur === 'number' && Number.isFinite(cur) ? cur : null;
}

export class ReputationLookup {
  private readonly cfg: ReputationConfig;
  private readonly queue: string[] = [];
  private readonly queuedSet = new Set<string>();
  private tokens: number;
  private lastRefill = Date.now();
  private readonly get: Database.Statement;
  private readonly put: Database.Statement;
  readonly stats: ReputationStats = { queued: 0, fetched: 0, cached: 0, errors: 0, rateLimited: 0, dropped: 0, skippedPrivate: 0 };

  constructor(cfg: ReputationConfig, db: Database.Database) {
    this.cfg = cfg;
    this.tokens = cfg.requestsPerMinute;
    this.get = db.prepare('SELECT fetched_epoch FROM reputation WHERE address = ?');
    this.put = db.prepare('INSERT OR REPLACE INTO reputation (address, fetched_epoch, status, score, body) VALUES (?, ?, ?, ?, ?)');
  }

  /** From an alert: its addresses are queued unless private, already queued, or cached within the TTL. */
  enqueue(ip: string): void {
    if (isPrivateAddress(ip)) { this.stats.skippedPrivate++; return; }
    if (this.queuedSet.has(ip)) return;
    const row = this.get.get(ip) as { fetched_epoch: number } | undefined;
    if (row !== undefined && Date.now() / 1000 - row.fetched_epoch < this.cfg.ttlHours * 3600) { this.stats.cached++; return; }
    if (this.queue.length >= this.cfg.maxQueue) { this.stats.dropped++; return; }
    this.queue.push(ip);
    this.queuedSet.add(ip);
    this.stats.queued++;
  }

  get pending(): number { return this.queue.length; }

  private refill(): void {
    const now = Date.now();
    const add = ((now - this.lastRefill) / 60000) * this.cfg.requestsPerMinute;
    if (add >= 1) {
      this.tokens = Math.min(this.cfg.requestsPerMinute, this.tokens + Math.floor(add));
      this.lastRefill = now;
    }
  }

  /** Fetches what the rate allows now; returns how many requests were made. */
  async pump(): Promise<number> {
    this.refill();
    let made = 0;
    while (this.queue.length > 0) {
      if (this.tokens < 1) { this.stats.rateLimited++; break; }
      this.tokens--;
      const ip = this.queue.shift()!;
      this.queuedSet.delete(ip);
      made++;
      await this.fetchOne(ip);
    }
    return made;
  }

  private async fetchOne(ip: string): Promise<void> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    const key = this.cfg.key ?? process.env.NETWATCH_REPUTATION_KEY ?? null;
    if (key !== null) headers[this.cfg.keyHeader] = key;
    try {
      const res = await fetch(this.cfg.url.replace('{ip}', encodeURIComponent(ip)), { headers, signal: AbortSignal.timeout(this.cfg.timeoutMs) });
      const body = await res.text();
      if (!res.ok) { this.stats.errors++; return; }
      let score: number | null = null;
      try { score = pick(JSON.parse(body), this.cfg.scorePath); } catch { /* not JSON: stored, no score */ }
      this.put.run(ip, Date.now() / 1000, res.status, score, body.slice(0, 65536));
      this.stats.fetched++;
    } catch {
      this.stats.errors++;
    }
  }

  /** Pumps until the queue is empty or maxMs has passed (end of an analyze run). */
  async drain(maxMs: number): Promise<void> {
    const end = Date.now() + maxMs;
    while (this.queue.length > 0 && Date.now() < end) {
      const made = await this.pump();
      if (made === 0) await new Promise((r) => setTimeout(r, Math.min(1000, Math.max(10, end - Date.now()))));
    }
  }
}
