// `netwatch serve`: the dashboard's HTTP server (fastify) over a read-only netwatch database. JSON API,
// static page files from a fixed list, a strict Content-Security-Policy on every response, an access token
// whenever the listener is not loopback-only, incident states in the sidecar database, capture uploads.

import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type Database from 'better-sqlite3';
import { createHash, timingSafeEqual } from 'node:crypto';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Readable } from 'node:stream';
import { NetwatchError, isNetwatchError } from '../errors.js';
import { parseDateSeconds } from '../date-text.js';
import type { DetectionConfig } from '../config/detection-defaults.js';
import { SIGNATURES, parseSeverity } from '../alert/signatures.js';
import { canonicalAddress } from '../track/address-parse.js';
import { openDatabase } from '../store/netwatch-db.js';
import { NETWATCH_VERSION } from '../version.js';
import { reportCharts } from './chart-options.js';
import { reportFromCapture } from './capture-report.js';
import { fileWarnings } from '../cli/file-warnings.js';
import { HostScoreCache } from './host-score-cache.js';
import { DashboardState, type IncidentState, type IncidentStateName } from './dashboard-state.js';
import {
  ALERT_SORTS, DashboardQueries, INCIDENT_SORTS, RANGES, type AlertSort, type DashboardIncident, type IncidentSort, type TimeRange,
} from './dashboard-queries.js';

export const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; "
  + "form-action 'self'; frame-ancestors 'none'";
const COOKIE = 'nw_token';
/** pcap (both byte orders, micro- and nanosecond) and pcapng section header magics, as the first four bytes. */
const CAPTURE_MAGICS = ['d4c3b2a1', 'a1b2c3d4', '4d3cb2a1', 'a1b23c4d', '0a0d0d0a'];

export interface DashboardOptions {
  dbPath: string;
  statePath: string;
  host: string;
  /** 0: any free port. */
  port: number;
  /** Given by --token, NETWATCH_TOKEN or the config; null: none unless the listener needs one (then the sidecar's). */
  token: string | null;
  config?: string;
  weights: DetectionConfig['threatScore'];
  /** 0 turns the upload page off. */
  maxUploadBytes: number;
  /** How long computed threat scores are served before a background refresh (default 30 s). */
  scoreCacheMs?: number;
  overviewCacheMs?: number;
}

export interface RunningDashboard {
  url: string;
  host: string;
  port: number;
  /** Where the token came from: none (loopback, none given), given, stored (sidecar), generated (now, stored). */
  tokenSource: 'none' | 'given' | 'stored' | 'generated';
  token: string | null;
  close(): Promise<void>;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

/** The repository's web/dashboard folder, found from this file in src/ or dist/src/. */
function webDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'web', 'dashboard');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
    const up = dirname(dir);
    if (up === dir) throw new NetwatchError('NW_ERR_INSTALL', 'web/dashboard/index.html not found beside the netwatch installation');
    dir = up;
  }
}

interface StaticFile { body: Buffer; type: string; cache: string }

function loadStatic(): Map<string, StaticFile> {
  const web = webDir();
  const files = new Map<string, StaticFile>();
  const add = (name: string, path: string, type: string, cache = 'no-cache'): void => { files.set(name, { body: readFileSync(path), type, cache }); };
  add('index.html', join(web, 'index.html'), 'text/html; charset=utf-8');
  add('app.js', join(web, 'app.js'), 'text/javascript; charset=utf-8');
  add('style.css', join(web, 'style.css'), 'text/css; charset=utf-8');
  add('echarts.min.js', createRequire(import.meta.url).resolve('echarts/dist/echarts.min.js'), 'text/javascript; charset=utf-8', 'public, max-age=86400');
  return files;
}

class HttpError extends Error {
  constructor(readonly statusCode: number, message: string) { super(message); }
}

const bad = (msg: string): HttpError => new HttpError(400, msg);

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

function cookieValue(header: string | undefined, name: string): string | null {
  if (header === undefined) return null;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return null;
}

type Query = Record<string, string | undefined>;

function intParam(q: Query, name: string, def: number, min: number, max: number): number {
  const v = q[name];
  if (v === undefined || v === '') return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw bad(`${name}=${v}: must be an integer from ${min} to ${max}`);
  return n;
}

/** At least this severe: high, medium, low or 1-3 (default 3, everything). */
function severityParam(q: Query): number {
  const v = q.severity;
  if (v === undefined || v === '') return 3;
  const n = parseSeverity(v);
  if (n === undefined) throw bad(`severity=${v}: must be high, medium, low or 1-3`);
  return n;
}

function timeParam(q: Query, name: string): number | undefined {
  const v = q[name];
  if (v === undefined || v === '') return undefined;
  const n = /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : parseDateSeconds(v);
  if (!Number.isFinite(n)) throw bad(`${name}=${v}: not epoch seconds or a date/time that exists`);
  return n;
}

function hostParam(q: Query, name: string): string | null {
  const v = q[name];
  if (v === undefined || v === '') return null;
  // Compared as the database writes addresses: 2001:DB8::1 finds 2001:db8::1.
  const a = canonicalAddress(v);
  if (a === null) throw bad(`${name}=${v}: not an IPv4 or IPv6 address`);
  return a;
}

function detectorParam(q: Query): string | null {
  const v = q.detector;
  if (v === undefined || v === '') return null;
  // An unknown name matched nothing and answered 200 with no rows, like a quiet network.
  if (!Object.hasOwn(SIGNATURES, v)) throw bad(`detector=${v.slice(0, 40)}: not a detector (one of ${Object.keys(SIGNATURES).sort().join(', ')})`);
  return v;
}

/** Whether muted incidents and their alerts are shown: muted=1 shows them; absent or empty hides them. */
function showMutedParam(q: Query): boolean {
  const v = q.muted;
  if (v === undefined || v === '') return false;
  // muted=yes or muted=true once hid the muted ones as if nothing had been asked.
  if (v !== '1') throw bad(`muted=${v.slice(0, 40)}: must be 1 (show muted incidents and their alerts) or left out`);
  return true;
}

function fingerprint(i: DashboardIncident): string {
  return `${i.first_seen}|${i.detector}|${i.src_ip}|${i.dest_ip}`;
}

export async function startDashboard(o: DashboardOptions): Promise<RunningDashboard> {
  const db: Database.Database = openDatabase(o.dbPath, true);
  let state: DashboardState;
  try {
    state = new DashboardState(o.statePath);
  } catch (e) {
    db.close();
    throw e;
  }
  try {
    return await serve(o, db, state);
  } catch (e) {
    db.close();
    state.close();
    throw e;
  }
}

async function serve(o: DashboardOptions, db: Database.Database, state: DashboardState): Promise<RunningDashboard> {
  const files = loadStatic();
  const queries = new DashboardQueries(db);
  const scoreCache = new HostScoreCache(o.dbPath, o.weights, o.scoreCacheMs);
  const loopbackOnly = isLoopback(o.host);
  let token = o.token;
  let tokenSource: RunningDashboard['tokenSource'] = token !== null ? 'given' : 'none';
  if (token === null && !loopbackOnly) {
    const t = state.token();
    token = t.token;
    tokenSource = t.created ? 'generated' : 'stored';
  }
  const tokenDigest = token === null ? null : digest(token);
  const tokenOk = (given: string | null | undefined): boolean =>
    tokenDigest !== null && typeof given === 'string' && given !== '' && timingSafeEqual(digest(given), tokenDigest);

  // Incident states: the sidecar's rows that still match an incident of this database.
  const states = new Map<number, IncidentState>();
  for (const s of state.states()) {
    const i = queries.incident(s.incident_id);
    if (i !== undefined && fingerprint(i) === s.fingerprint) states.set(s.incident_id, s);
  }
  const muted = (): { ids: number[]; alertKeys: string[] } => {
    const ids: number[] = [];
    const alertKeys: string[] = [];
    for (const s of states.values()) if (s.state === 'mute') { ids.push(s.incident_id); alertKeys.push(`${s.run_id}:${s.run_incident}`); }
    return { ids, alertKeys };
  };

  const app: FastifyInstance = Fastify({ logger: false, bodyLimit: 64 * 1024, forceCloseConnections: true });
  const overviewCache = new Map<string, { at: number; body: unknown }>();
  const overviewCacheMs = o.overviewCacheMs ?? 1000;
  let analysing = false;

  app.addHook('onRequest', async (req, reply) => {
    // A page on a loopback listener reached under another name is a DNS rebinding attempt.
    if (loopbackOnly) {
      const h = (req.headers.host ?? '').replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
      if (!isLoopback(h)) { reply.code(403).type('text/plain').send('403 Forbidden: this dashboard answers to loopback names only\n'); return reply; }
    }
    if (tokenDigest !== null) {
      const auth = req.headers.authorization;
      const bearer = auth !== undefined && /^Bearer\s+/i.test(auth) ? auth.replace(/^Bearer\s+/i, '').trim() : null;
      if (!tokenOk(bearer) && !tokenOk(cookieValue(req.headers.cookie, COOKIE))) {
        const path = req.url.split('?')[0];
        const q = req.query as Query;
        if (req.method === 'GET' && path === '/' && tokenOk(q.token)) {
          // The token leaves the address bar at once; the cookie carries it from now on.
          reply.header('set-cookie', `${COOKIE}=${encodeURIComponent(q.token as string)}; Path=/; HttpOnly; SameSite=Strict`);
          reply.redirect('/', 303);
          return reply;
        }
        reply.code(401).header('www-authenticate', 'Bearer realm="netwatch"').type('text/plain')
          .send('401 Unauthorized: this dashboard needs its access token: open /?token=TOKEN once, or send Authorization: Bearer TOKEN\n');
        return reply;
      }
    }
    // Another site's page may not post here (the cookie is SameSite=Strict; loopback has no cookie at all).
    if (req.method === 'POST') {
      const origin = req.headers.origin;
      if (origin !== undefined && origin !== 'null') {
        let ok = false;
        try { ok = new URL(origin).host === req.headers.host; } catch { ok = false; }
        if (!ok) { reply.code(403).type('text/plain').send('403 Forbidden: cross-origin request\n'); return reply; }
      }
    }
  });

  app.addHook('onSend', async (req, reply, payload) => {
    reply.header('content-security-policy', CSP);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    if (req.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
    return payload;
  });

  app.setErrorHandler(async (err: Error & { statusCode?: number }, _req, reply) => {
    const code = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    reply.code(code).type('application/json').send({ error: code === 500 ? `internal error: ${err.message}` : err.message });
  });
  app.setNotFoundHandler(async (_req, reply) => {
    reply.code(404).type('application/json').send({ error: 'not found' });
  });

  const sendFile = (reply: FastifyReply, name: string): FastifyReply => {
    const f = files.get(name) as StaticFile;
    return reply.type(f.type).header('cache-control', f.cache).send(f.body);
  };
  app.get('/', async (_req, reply) => sendFile(reply, 'index.html'));
  app.get('/static/:name', async (req, reply) => {
    const name = (req.params as { name: string }).name;
    // A fixed list: nothing else on the disk can be named.
    if (name === 'index.html' || !files.has(name)) throw new HttpError(404, 'not found');
    return sendFile(reply, name);
  });
  app.get('/favicon.ico', async (_req, reply) => reply.code(204).send());

  const rangeOf = (q: Query): TimeRange => {
    const range = q.range ?? '24h';
    if (!Object.hasOwn(RANGES, range)) throw bad(`range=${range}: one of ${Object.keys(RANGES).join(', ')}`);
    const r = queries.resolveRange(range, timeParam(q, 'since'), timeParam(q, 'until'));
    if (r.since > r.until) throw bad(`since=${q.since ?? ''}${q.until !== undefined ? ` until=${q.until}` : ''}: the range ends before it starts`);
    return r;
  };
  const withState = (i: DashboardIncident): DashboardIncident & { state: { state: IncidentStateName; at: string; note: string } | null } => {
    const s = states.get(i.id);
    return { ...i, state: s === undefined ? null : { state: s.state, at: s.at, note: s.note } };
  };

  app.get('/api/meta', async () => ({
    version: NETWATCH_VERSION,
    database: o.dbPath.split('/').pop(),
    detectors: Object.keys(SIGNATURES).sort(),
    ranges: Object.keys(RANGES),
    alertSorts: Object.keys(ALERT_SORTS),
    incidentSorts: Object.keys(INCIDENT_SORTS),
    maxUploadBytes: o.maxUploadBytes,
    span: queries.span(),
  }));

  app.get('/api/overview', async (req) => {
    const q = req.query as Query;
    const key = `${q.range ?? ''}|${q.since ?? ''}|${q.until ?? ''}`;
    const hit = overviewCache.get(key);
    if (hit !== undefined && Date.now() - hit.at < overviewCacheMs) return hit.body;
    const body = queries.overview(rangeOf(q), muted());
    if (overviewCacheMs > 0) {
      if (overviewCache.size > 64) overviewCache.clear();
      overviewCache.set(key, { at: Date.now(), body });
    }
    return body;
  });

  app.get('/api/alerts', async (req) => {
    const q = req.query as Query;
    const sort = (q.sort ?? 'time') as AlertSort;
    if (!Object.hasOwn(ALERT_SORTS, sort)) throw bad(`sort=${q.sort}: one of ${Object.keys(ALERT_SORTS).join(', ')}`);
    if (q.dir !== undefined && q.dir !== 'asc' && q.dir !== 'desc') throw bad(`dir=${q.dir}: asc or desc`);
    if (q.incident !== undefined) {
      // One incident's alerts: its own time span and run; the other filters would only hide some of them.
      const id = intParam(q, 'incident', 0, 1, Number.MAX_SAFE_INTEGER);
      showMutedParam(q);
      for (const k of ['range', 'since', 'until', 'detector', 'host', 'severity']) {
        if (q[k] !== undefined && q[k] !== '' && !(k === 'severity' && q[k] === '3')) {
          throw bad(`incident=${q.incident} with ${k}: an incident's alerts are listed whole; give incident alone`);
        }
      }
      const res = queries.incidentAlerts(id, sort, q.dir !== 'asc', intParam(q, 'limit', 50, 1, 500), intParam(q, 'offset', 0, 0, 1_000_000));
      if (res === undefined) throw new HttpError(404, `no incident ${id}`);
      return { ...res, incident: withState(res.incident) };
    }
    const r = rangeOf(q);
    const m = muted();
    const res = queries.alerts({
      ...r, severity: severityParam(q), detector: detectorParam(q), host: hostParam(q, 'host'), sort, desc: q.dir !== 'asc',
      limit: intParam(q, 'limit', 50, 1, 500), offset: intParam(q, 'offset', 0, 0, 1_000_000), mutedAlertKeys: showMutedParam(q) ? [] : m.alertKeys,
    });
    return { range: r, ...res };
  });

  app.get('/api/incidents', async (req) => {
    const q = req.query as Query;
    const sort = (q.sort ?? 'last') as IncidentSort;
    if (!Object.hasOwn(INCIDENT_SORTS, sort)) throw bad(`sort=${q.sort}: one of ${Object.keys(INCIDENT_SORTS).join(', ')}`);
    if (q.dir !== undefined && q.dir !== 'asc' && q.dir !== 'desc') throw bad(`dir=${q.dir}: asc or desc`);
    const r = rangeOf(q);
    const res = queries.incidents({
      ...r, detector: detectorParam(q), host: hostParam(q, 'host'), sort, desc: q.dir !== 'asc',
      limit: intParam(q, 'limit', 50, 1, 500), offset: intParam(q, 'offset', 0, 0, 1_000_000), mutedIds: showMutedParam(q) ? [] : muted().ids,
    });
    return { range: r, total: res.total, capped: res.capped, mutedCount: muted().ids.length, rows: res.rows.map(withState) };
  });

  app.post('/api/incidents/:id/state', async (req) => {
    const id = Number((req.params as { id: string }).id);
    if (!Number.isInteger(id) || id < 1) throw bad('incident id must be a positive integer');
    const body = req.body as { state?: unknown; note?: unknown } | null;
    if (body === null || typeof body !== 'object') throw bad('send JSON {"state": "ack" | "mute" | "none", "note": "..."}');
    if (body.state !== 'ack' && body.state !== 'mute' && body.state !== 'none') throw bad('state must be "ack", "mute" or "none"');
    if (body.note !== undefined && (typeof body.note !== 'string' || body.note.length > 500)) throw bad('note must be a string of at most 500 characters');
    const incident = queries.incident(id);
    if (incident === undefined) throw new HttpError(404, `no incident ${id}`);
    if (body.state === 'none') {
      state.clear(id);
      states.delete(id);
    } else {
      const s: IncidentState = {
        incident_id: id, run_id: incident.run_id, run_incident: incident.run_incident, fingerprint: fingerprint(incident),
        state: body.state, at: new Date().toISOString(), note: (body.note as string | undefined) ?? '',
      };
      state.set(s);
      states.set(id, s);
    }
    overviewCache.clear();
    return withState(incident);
  });

  app.get('/api/hosts', async (req) => {
    const q = req.query as Query;
    // Scores are as of the newest alert, over the 7 days before it (docs/intel.md): a range asked for was
    // once ignored without a word.
    for (const k of ['range', 'since', 'until']) {
      if (q[k] !== undefined) throw bad(`${k}: threat scores are computed as of the newest alert, over the 7 days before it; they take no range`);
    }
    const s = await scoreCache.get();
    return { asOf: s.at, computedAt: new Date(s.madeAt).toISOString(), computedMs: Math.round(s.ms), total: s.hosts.length,
      hosts: s.hosts.slice(0, intParam(q, 'limit', 50, 1, 1000)) };
  });

  app.get('/api/host', async (req) => {
    const q = req.query as Query;
    const ip = hostParam(q, 'ip');
    if (ip === null) throw bad('ip=ADDRESS is required');
    return queries.host(ip, rangeOf(q), muted().alertKeys, await scoreCache.get());
  });

  // The request body reaches the route as the raw stream: it is written to disk as it arrives, never held.
  app.addContentTypeParser('application/octet-stream', (_req, payload, done) => { done(null, payload); });
  app.post('/api/upload', async (req: FastifyRequest, reply: FastifyReply) => {
    if (o.maxUploadBytes <= 0) throw new HttpError(403, 'uploads are turned off (--max-upload-mb 0)');
    const declared = Number(req.headers['content-length'] ?? NaN);
    const limitText = `${Math.round((o.maxUploadBytes / 1048576) * 10) / 10} MiB`;
    if (Number.isFinite(declared) && declared > o.maxUploadBytes) {
      // Read and drop what the client is still sending, so it reads this answer rather than a reset
      // (fetch failed with EPIPE); a body too large even for that is cut off.
      if (declared <= o.maxUploadBytes + DRAIN_MAX && isStream(req.body)) await drain(req.body, DRAIN_MAX);
      reply.header('connection', 'close');
      throw new HttpError(413, `capture too large: ${declared} bytes, the limit is ${limitText} (--max-upload-mb)`);
    }
    if (analysing) throw new HttpError(503, 'another capture is being analysed; try again when it is done');
    const name = String(req.headers['x-netwatch-filename'] ?? 'upload').slice(0, 200);
    analysing = true;
    const dir = mkdtempSync(join(tmpdir(), 'netwatch-upload-'));
    try {
      const file = join(dir, 'upload.cap');
      await receive(req.body as Readable, file, o.maxUploadBytes, limitText, reply);
      let report;
      try {
        report = await reportFromCapture([file], { config: o.config, maxRows: 1000 });
      } catch (e) {
        if (isNetwatchError(e)) throw bad(e.message.split(file).join(name));
        throw e;
      }
      // The server's temporary path means nothing to the one who uploaded: every mention of it names the upload.
      const named = (text: string): string => text.split(file).join(name);
      const data = { ...report.data, title: name, runs: report.data.runs.map((run) => ({ ...run, source: named(run.source) })) };
      // What the CLI would warn about (a capture cut short, time stepping back), without its "netwatch: " prefix.
      const warnings = fileWarnings(report.files).map((w) => named(w).replace(/^netwatch: warning: /, ''));
      return { name, data, warnings, charts: reportCharts(data) };
    } finally {
      analysing = false;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  try {
    await app.listen({ host: o.host, port: o.port });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const where = `${o.host.includes(':') ? `[${o.host}]` : o.host}:${o.port}`;
    const why = code === 'EADDRINUSE' ? 'address already in use (another netwatch serve? choose another port with --listen)'
      : code === 'EADDRNOTAVAIL' ? 'not an address of this machine'
        : code === 'EACCES' ? 'permission denied (ports below 1024 need privilege)' : (e as Error).message;
    await app.close().catch(() => undefined);
    await scoreCache.close();
    throw new NetwatchError('NW_ERR_LISTEN', `--listen ${where}: cannot listen: ${why}`, { cause: e });
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : o.port;
  const shown = o.host.includes(':') ? `[${o.host}]` : o.host;
  let closed = false;
  return {
    url: `http://${shown}:${port}/`,
    host: o.host,
    port,
    tokenSource,
    token,
    close: async () => {
      if (closed) return;
      closed = true;
      await app.close();
      await scoreCache.close();
      db.close();
      state.close();
    },
  };
}

/** Bytes of a refused upload read and dropped before the connection is closed under the client. */
const DRAIN_MAX = 64 * 1048576;

function isStream(x: unknown): x is Readable {
  return x !== null && typeof x === 'object' && typeof (x as Readable).pipe === 'function';
}

/** Reads and drops the rest of a request body, up to `limit` bytes more; resolves at its end (or the limit). */
function drain(body: Readable, limit: number): Promise<void> {
  return new Promise((resolve) => {
    let n = 0;
    const done = (): void => { body.off('data', onData); resolve(); };
    const onData = (chunk: Buffer): void => { n += chunk.length; if (n > limit) done(); };
    body.on('data', onData);
    body.once('end', done);
    body.once('close', done);
    body.once('error', done);
    body.resume();
  });
}

/**
 * Streams the body to `file`, checking the capture magic first and the size limit throughout. On a refusal
 * the rest of the body is read and dropped rather than the socket reset, so the client sees the answer.
 */
async function receive(body: Readable, file: string, max: number, limitText: string, reply: FastifyReply): Promise<void> {
  if (!isStream(body)) {
    throw bad('send the capture as the raw request body with Content-Type: application/octet-stream');
  }
  const out = createWriteStream(file, { mode: 0o600 });
  try {
    await new Promise<void>((resolve, reject) => {
      let n = 0;
      let head = Buffer.alloc(0);
      const refuse = (e: HttpError): void => {
        body.off('data', onData);
        body.off('end', onEnd);
        reply.header('connection', 'close');
        // Answered once the client has sent the rest: answered while it still sends, the socket closes under it.
        void drain(body, DRAIN_MAX).then(() => reject(e));
      };
      const onData = (chunk: Buffer): void => {
        n += chunk.length;
        if (n > max) { refuse(new HttpError(413, `capture too large: more than ${limitText} (--max-upload-mb)`)); return; }
        if (head.length < 4) {
          head = Buffer.concat([head, chunk.subarray(0, 4 - head.length)]);
          if (head.length === 4 && !CAPTURE_MAGICS.includes(head.toString('hex'))) {
            refuse(bad(`not a pcap or pcapng capture: it starts with bytes ${head.toString('hex').replace(/(..)/g, '$1 ').trim()}`));
            return;
          }
        }
        if (!out.write(chunk)) { body.pause(); out.once('drain', () => body.resume()); }
      };
      const onEnd = (): void => {
        if (head.length < 4) reject(bad(`not a pcap or pcapng capture: only ${n} bytes`));
        else resolve();
      };
      body.on('data', onData);
      body.once('end', onEnd);
      body.once('error', reject);
      out.once('error', (e) => refuse(new HttpError(500, `cannot store the upload: ${e.message}`)));
    });
  } finally {
    out.end();
    await once(out, 'close').catch(() => undefined);
  }
}
