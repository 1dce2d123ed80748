// One threat score per host, 0 to 100, from the alerts in the database (docs/intel.md):
//   each alert weighs its severity (high 30, medium 15, low 5) x its role (the host as source: attacker
//   1.0; as destination: victim 0.4) x recency (halved every 24 h before the reference time); model
//   alerts also x min(2, score / threshold);
//   a source that is not the attacker scores nothing as one: one of many sources of a flood (spoofed
//   or distributed), a reflector, a multicast or broadcast address (spoofed), or the address an ARP spoofer claims (ARP alerts know the attacker
//   by MAC, and by address too once its own claims show it, evidence.attacker_ip; the claimed address
//   scores as a victim);
//   per host and detector the heaviest alert counts, times (1 + repeatBonus x ln(count));
//   a host that a threat-intelligence feed lists adds intelListed;
//   score = 100 x (1 - exp(-sum / scale)).
// The reference time is the newest alert considered, so a database made from old captures scores as of
// their end. The weights are detection.threatScore in the config.

import type Database from 'better-sqlite3';
import type { DetectionConfig } from '../config/detection-defaults.js';

export interface HostScore {
  host: string;
  score: number;
  /** attacker when most of the weight came from alerts naming it as source, else victim. */
  role: 'attacker' | 'victim';
  alerts: number;
  reasons: string[];
}

interface Row { ts_epoch: number; severity: number; detector: string; src_ip: string; dest_ip: string; eve: string }

export interface ScoreOptions {
  /** Epoch seconds: alerts from (default lookbackDays before the newest) and up to (default all). */
  since?: number;
  until?: number;
  /** Only this run's alerts (a capture report kept in a database that holds other runs). */
  runId?: number;
  /** false: every alert weighs as if it were the newest (captures of different days in one database). */
  decay?: boolean;
}

export function computeHostScores(db: Database.Database, w: DetectionConfig['threatScore'], o: ScoreOptions = {}): { at: number; hosts: HostScore[] } {
  const inRun = o.runId === undefined ? '' : ' AND run_id = @run';
  const until = o.until ?? Number.MAX_VALUE;
  const newest = (db.prepare(`SELECT max(ts_epoch) AS t FROM alerts WHERE ts_epoch <= @until${inRun}`).get({ until, run: o.runId ?? null }) as { t: number | null }).t;
  if (newest === null) return { at: 0, hosts: [] };
  const from = o.since ?? newest - w.lookbackDays * 86400;
  const halfLifeSec = o.decay === false ? Infinity : w.halfLifeHours * 3600;
  // The EVE text is read (and parsed once per alert) only for the detectors that need it: EVE_DETECTORS.
  const rows = db.prepare(`SELECT ts_epoch, severity, detector, src_ip, dest_ip, CASE WHEN detector IN (${EVE_DETECTORS}) THEN eve ELSE '' END AS eve
    FROM alerts WHERE ts_epoch >= @from AND ts_epoch <= @until${inRun} ORDER BY ts_epoch`).all({ from, until, run: o.runId ?? null }) as Row[];
  const sev = (s: number): number => (s <= 1 ? w.severityHigh : s === 2 ? w.severityMedium : w.severityLow);
  type Acc = {
    byDetector: Map<string, { max: number; n: number; role: 'attacker' | 'victim' }>; attackerW: number; victimW: number;
    /** Alerts as source and as destination, undecayed: the role when the weights tie (both decayed to 0). */
    asAttacker: number; asVictim: number; alerts: number; listed: string | null;
  };
  const hosts = new Map<string, Acc>();
  const acc = (h: string): Acc => {
    let a = hosts.get(h);
    if (a === undefined) hosts.set(h, (a = { byDetector: new Map(), attackerW: 0, victimW: 0, asAttacker: 0, asVictim: 0, alerts: 0, listed: null }));
    return a;
  };
  for (const r of rows) {
    const decay = 0.5 ** ((newest - r.ts_epoch) / halfLifeSec);
    let base = sev(r.severity) * decay;
    const nw = r.eve === '' ? null : (JSON.parse(r.eve) as { netwatch: NetwatchPart }).netwatch;
    if (r.detector === 'anomaly' && nw !== null) {
      base *= Math.min(2, nw.threshold > 0 ? nw.score / nw.threshold : 1);
    }
    const ev = nw?.evidence ?? {};
    const srcRole = sourceRole(r.detector, ev, r.src_ip);
    const sides: [string, 'attacker' | 'victim'][] = [];
    if (srcRole !== null) sides.push([r.src_ip, srcRole]);
    if (r.dest_ip !== r.src_ip && destinationCounts(r.detector, ev)) sides.push([r.dest_ip, 'victim']);
    for (const [h, role] of sides) {
      const a = acc(h);
      const v = base * (role === 'attacker' ? w.attacker : w.victim);
      a.alerts++;
      if (role === 'attacker') { a.attackerW += v; a.asAttacker++; } else { a.victimW += v; a.asVictim++; }
      const key = `${r.detector}|${role}`;
      const d = a.byDetector.get(key);
      if (d === undefined) a.byDetector.set(key, { max: v, n: 1, role });
      else { d.n++; if (v > d.max) d.max = v; }
      if (r.detector === 'intel') {
        const listedHost = ev.matched === 'source' ? r.src_ip : ev.matched === 'destination' ? r.dest_ip : null;
        if (listedHost === h) a.listed = `${ev.feed} (${ev.indicator})`;
      }
    }
  }
  const out: HostScore[] = [];
  for (const [host, a] of hosts) {
    let sum = 0;
    const parts: { text: string; v: number }[] = [];
    for (const [key, d] of a.byDetector) {
      const v = d.max * (1 + w.repeatBonus * Math.log(d.n));
      sum += v;
      parts.push({ text: `${key.split('|')[0]} x${d.n} as ${d.role}`, v });
    }
    if (a.listed !== null) { sum += w.intelListed; parts.push({ text: `listed by ${a.listed}`, v: w.intelListed }); }
    parts.sort((x, y) => y.v - x.v);
    out.push({
      host, score: Math.round(1000 * (1 - Math.exp(-sum / w.scale))) / 10, role: a.attackerW > a.victimW || (a.attackerW === a.victimW && a.asAttacker >= a.asVictim) ? 'attacker' : 'victim', alerts: a.alerts,
      reasons: parts.slice(0, 4).map((p) => `${p.text} (+${p.v.toFixed(1)})`),
    });
  }
  out.sort((x, y) => y.score - x.score || (x.host < y.host ? -1 : 1));
  return { at: newest, hosts: out };
}

/** Detectors whose EVE record is read: model and intel alerts for their weights, the rest for the roles. */
const EVE_DETECTORS = ['anomaly', 'intel', 'syn_flood', 'udp_flood', 'icmp_flood', 'reflection', 'arp_spoof'].map((d) => `'${d}'`).join(', ');

/** What the score reads of an EVE record's netwatch section: a model alert's score, and evidence. */
interface NetwatchPart {
  score: number;
  threshold: number;
  evidence?: { distinct_sources?: number; distinct_destinations?: number; indicator?: string; feed?: string; matched?: string; role?: string; attacker_ip?: string };
}

/** What the alert's source is to the score: its attacker, a victim (an address an ARP spoofer claimed), or nothing. */
function sourceRole(detector: string, ev: NonNullable<NetwatchPart['evidence']>, src: string): 'attacker' | 'victim' | null {
  // A multicast or broadcast address never sends: as a source it is spoofed (rsmurf6 sends from ff02::1).
  if (isGroupAddress(src)) return null;
  // An ARP alert's source is the spoofer's own address when its claims showed it, else the address claimed.
  if (detector === 'arp_spoof') return ev.attacker_ip === src ? 'attacker' : 'victim';
  if (detector === 'reflection') return null;
  // A model alert names one host, which sent or received what stood out (the evidence says which).
  if (detector === 'anomaly') return ev.role === 'receiver' ? 'victim' : 'attacker';
  if ((detector === 'syn_flood' || detector === 'udp_flood' || detector === 'icmp_flood') && (ev.distinct_sources ?? 1) > 1) return null;
  return 'attacker';
}

/** IPv4 multicast (224.0.0.0/4) or limited broadcast, or IPv6 multicast (ff00::/8), as the database writes addresses. */
function isGroupAddress(a: string): boolean {
  if (a.includes(':')) return /^ff[0-9a-f]{2}:/i.test(a);
  const first = Number(a.slice(0, a.indexOf('.')));
  return (first >= 224 && first <= 239) || a === '255.255.255.255';
}

/**
 * A destination that is one of many is not a victim to score: a randomised flood's (syn_flood's network
 * variant), and a sweep's, which names the last address probed (often one that does not exist).
 */
function destinationCounts(detector: string, ev: NonNullable<NetwatchPart['evidence']>): boolean {
  if (detector === 'host_sweep') return false;
  return detector !== 'syn_flood' || (ev.distinct_destinations ?? 1) <= 1;
}

/** Stores a computation (the daemon does on its schedule): one row per host, kept over time. */
export function storeHostScores(db: Database.Database, at: number, hosts: readonly HostScore[]): number {
  const put = db.prepare('INSERT OR REPLACE INTO host_scores (ts_epoch, host, score, role, reasons) VALUES (?, ?, ?, ?, ?)');
  db.transaction(() => { for (const h of hosts) put.run(at, h.host, h.score, h.role, h.reasons.join('; ')); })();
  return hosts.length;
}

export function scoreHistory(db: Database.Database, host: string): { ts_epoch: number; score: number; role: string; reasons: string }[] {
  return db.prepare('SELECT ts_epoch, score, role, reasons FROM host_scores WHERE host = ? ORDER BY ts_epoch').all(host) as { ts_epoch: number; score: number; role: string; reasons: string }[];
}
