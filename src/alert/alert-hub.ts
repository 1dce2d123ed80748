// Where detectors raise alerts: fills the EVE record, applies suppression, folds repeats into incidents
// (bounded), and hands each new alert to the sinks at once.

import type { DetectionConfig } from '../config/detection-defaults.js';
import { eveTimestamp, type EveAlert, type Incident } from './eve-alert.js';
import { SIGNATURES, type DetectorName } from './signatures.js';

export interface RaiseRequest {
  detector: DetectorName;
  /** Added to the detector's base signature id; names the variant (scan type, flood kind). */
  variant: number;
  /** Text after the detector's name in the signature, e.g. "SYN scan 172.16.0.8 -> 64.13.134.52". */
  detail: string;
  /** Suppression and incident key: who did it to whom, as the detector sees it. */
  key: string;
  src: string;
  dst: string;
  srcPort?: number;
  dstPort?: number;
  proto: string;
  /** ICMP alerts: the type and code of the packets alerted on (Suricata's icmp_type, icmp_code). */
  icmpType?: number;
  icmpCode?: number;
  communityId?: string;
  /** The flow record's flow_id (FlowTable serial) of the packet or probe the alert names. */
  flowId?: number;
  score: number;
  threshold: number;
  evidence: Record<string, unknown>;
  window: string;
}

export interface AlertSink {
  alert(a: EveAlert, json: string): void;
  /**
   * The incident an alert (raised: true, after alert()) or a suppressed repeat (false) just touched, with
   * its count, last_seen and peak as they stand.
   */
  incident?(i: Incident, raised: boolean): void;
}

export interface PacketPosition {
  tsSec: number;
  tsNsec: number;
  /** Offline: the file and 1-based packet number. */
  file: string | null;
  index: number;
}

export interface LossSnapshot {
  ringDrops: number;
  kernelDrops: number;
  received: number;
}

interface IncidentState {
  incident: Incident;
  lastAlertT: number;
  lastT: number;
  /** Packet time of the last trigger; incident.last_seen is formatted from it when incidents are listed. */
  lastSec: number;
  lastNsec: number;
  /** Packet time the sinks last heard of a folded repeat (at most once a second of packet time). */
  touchedT: number;
}

const HEAVY_LOSS_PERCENT = 5;

export class AlertHub {
  private readonly sinks: AlertSink[] = [];
  private readonly incidents = new Map<string, IncidentState>();
  /** Ended incidents, the most recent maxIncidents kept (older ones counted in incidentsDropped). */
  private readonly closed: Incident[] = [];
  incidentsDropped = 0;
  private readonly cfg: DetectionConfig['alerts'];
  private nextIncident = 1;
  alertsRaised = 0;
  suppressed = 0;
  incidentsEvicted = 0;
  /** Set by the pipeline before each packet's detectors run. */
  readonly position: PacketPosition = { tsSec: 0, tsNsec: 0, file: null, index: 0 };
  /**
   * Packet time of the packet at hand (or of a quiet link's tick): when a raise is made. A raise held back
   * is judged at the time of its last refused packet (position), and made later, at a tick: now.
   */
  now = NaN;
  /** Told of every raise, suppressed repeats included (who is under attack right now, for the model's windows). */
  readonly observers: ((r: Pick<RaiseRequest, 'detector' | 'src' | 'dst'> & Partial<Pick<RaiseRequest, 'window'>>) => void)[] = [];
  /** Adds context to each alert before it is written (threat-intelligence matches of its addresses). */
  annotate: ((a: EveAlert) => void) | null = null;
  /** Live capture: how much has been lost so far. Null for files. */
  lossProvider: (() => LossSnapshot) | null = null;

  constructor(cfg: DetectionConfig['alerts']) {
    this.cfg = cfg;
  }

  addSink(s: AlertSink): void {
    this.sinks.push(s);
  }

  /**
   * A repeat that would be suppressed now is folded into its incident (count, last seen, peak) without
   * building the alert, and true returned; false means the caller must raise() it in full. For
   * detectors whose alerts cost something to build (intel, assets), on every matching packet.
   */
  foldRepeat(key: string, t: number, detector: DetectorName, src: string, dst: string, score: number): boolean {
    const st = this.incidents.get(key);
    if (st === undefined || this.ended(st, t) || !this.suppressing(st, t)) return false;
    // One request object reused: observers read it at once (a listed address may match on every packet).
    const r = this.repeat;
    r.detector = detector;
    r.src = src;
    r.dst = dst;
    r.key = key;
    r.score = score;
    this.notify(r);
    this.fold(st, r, t, this.position);
    return true;
  }

  private readonly repeat: Pick<RaiseRequest, 'detector' | 'src' | 'dst' | 'key' | 'score'> = { detector: 'intel', src: '', dst: '', key: '', score: 0 };

  /** One more trigger of a live incident, within its suppression window: counted, no alert. */
  private fold(st: IncidentState, r: Pick<RaiseRequest, 'key' | 'score'>, t: number, pos: PacketPosition): void {
    this.trigger(st, r, t, pos);
    this.suppressed++;
    // The sinks hear of repeats once a second of packet time (formatting last_seen costs a string); the
    // counts live in the incident object they hold, and every incident is written whole at the end.
    if (t >= st.touchedT && t - st.touchedT < 1) return;
    st.touchedT = t;
    this.incidentTouched(st, false);
  }

  /** Counts a trigger of a live incident at packet position pos: count, last seen, peak, recency. */
  private trigger(st: IncidentState, r: Pick<RaiseRequest, 'key' | 'score'> & { detail?: string }, t: number, pos: PacketPosition): void {
    st.incident.count++;
    // Last seen only moves on: a trigger dated earlier (a raise held back, judged at its own packet; time
    // stepping back within the incident) is counted but does not pull it back before triggers already counted.
    if (t >= st.lastT) {
      st.lastSec = pos.tsSec;
      st.lastNsec = pos.tsNsec;
      st.lastT = t;
    }
    if (r.score > st.incident.peak_score) {
      st.incident.peak_score = round3(r.score);
      if (r.detail !== undefined) st.incident.peak_detail = r.detail;
    }
    // Map order is recency order: re-insert so the least recently active incident is evicted first.
    this.incidents.delete(r.key);
    this.incidents.set(r.key, st);
  }

  /** A detector that folded a repeat (foldRepeat) or raised one still says who was involved. */
  notify(r: Pick<RaiseRequest, 'detector' | 'src' | 'dst'> & Partial<Pick<RaiseRequest, 'window'>>): void {
    for (let i = 0; i < this.observers.length; i++) this.observers[i](r);
  }

  /** An incident ends after its idle time, or when packet time steps back past its last alert. */
  private ended(st: IncidentState, t: number): boolean {
    return t - st.lastT > this.cfg.incidentIdleSec || t < st.lastAlertT;
  }

  /** Within the suppression window of the incident's last alert: a repeat folds into it. */
  private suppressing(st: IncidentState, t: number): boolean {
    return t - st.lastAlertT < this.cfg.suppressSec;
  }

  /**
   * Raises (or folds into its incident) an alert at packet time t. pos is the packet it is dated by and
   * filed under: the current packet, or one before it (a model window judged when the next one begins).
   * True when an alert went out, false when it was folded into its incident within the suppression window.
   */
  raise(r: RaiseRequest, t: number, pos: PacketPosition = this.position): boolean {
    this.notify(r);
    let st = this.incidents.get(r.key);
    let ts: string;
    if (st !== undefined && this.ended(st, t)) {
      this.retire(st);
      this.incidents.delete(r.key);
      st = undefined;
    }
    if (st !== undefined) {
      if (this.suppressing(st, t)) {
        this.fold(st, r, t, pos);
        return false;
      }
      this.trigger(st, r, t, pos);
      ts = eveTimestamp(pos.tsSec, pos.tsNsec);
      st.lastAlertT = t;
      st.incident.alerts++;
    } else {
      ts = eveTimestamp(pos.tsSec, pos.tsNsec);
      if (this.incidents.size >= this.cfg.maxIncidents) {
        const oldest = this.incidents.keys().next().value as string;
        this.retire(this.incidents.get(oldest)!);
        this.incidents.delete(oldest);
        this.incidentsEvicted++;
      }
      const sig = SIGNATURES[r.detector];
      st = {
        incident: {
          id: this.nextIncident++, detector: r.detector, signature: `NETWATCH ${sig.name}`, key: r.key, src_ip: r.src, dest_ip: r.dst,
          first_seen: ts, last_seen: ts, count: 1, alerts: 1, peak_score: round3(r.score), peak_detail: r.detail,
        },
        lastAlertT: t,
        lastT: t,
        lastSec: pos.tsSec,
        lastNsec: pos.tsNsec,
        touchedT: -Infinity,
      };
      this.incidents.set(r.key, st);
    }
    const sig = SIGNATURES[r.detector];
    let loss: EveAlert['netwatch']['loss'] = { source: 'file' };
    let heavy = false;
    if (this.lossProvider) {
      const l = this.lossProvider();
      const lost = l.ringDrops + l.kernelDrops;
      // `received` counts every frame libpcap handed over, ring drops included; kernel drops come on top.
      const percent = l.received + l.kernelDrops > 0 ? Math.round((10000 * lost) / (l.received + l.kernelDrops)) / 100 : 0;
      heavy = percent >= HEAVY_LOSS_PERCENT;
      loss = { ring_drops: l.ringDrops, kernel_drops: l.kernelDrops, percent, heavy };
    }
    const a: EveAlert = {
      timestamp: ts,
      ...(r.flowId !== undefined ? { flow_id: r.flowId } : {}),
      event_type: 'alert',
      src_ip: r.src,
      ...(r.srcPort !== undefined ? { src_port: r.srcPort } : {}),
      dest_ip: r.dst,
      ...(r.dstPort !== undefined ? { dest_port: r.dstPort } : {}),
      proto: r.proto,
      ...(r.icmpType !== undefined ? { icmp_type: r.icmpType, icmp_code: r.icmpCode ?? 0 } : {}),
      ...(r.communityId !== undefined ? { community_id: r.communityId } : {}),
      alert: {
        action: 'allowed', gid: 1, signature_id: sig.base + r.variant, rev: 1,
        signature: `NETWATCH ${sig.name}: ${r.detail}${heavy ? ' (verdict made under heavy capture loss)' : ''}`,
        category: sig.category, severity: sig.severity,
      },
      netwatch: {
        detector: r.detector, score: shownScore(r.score, r.threshold), threshold: r.threshold, evidence: r.evidence, window: r.window, loss,
        incident_id: st.incident.id,
      },
      ...(pos.file !== null ? { pcap_filename: pos.file, pcap_cnt: pos.index } : {}),
    };
    this.alertsRaised++;
    this.annotate?.(a);
    const json = JSON.stringify(a);
    for (const s of this.sinks) s.alert(a, json);
    this.incidentTouched(st, true);
    return true;
  }

  private incidentTouched(st: IncidentState, raised: boolean): void {
    const sinks = this.sinks;
    let inc: Incident | null = null;
    for (let i = 0; i < sinks.length; i++) {
      const f = sinks[i].incident;
      if (f === undefined) continue;
      inc ??= settle(st);
      f.call(sinks[i], inc, raised);
    }
  }

  private retire(st: IncidentState): void {
    this.closed.push(settle(st));
    if (this.closed.length > this.cfg.maxIncidents) {
      this.closed.shift();
      this.incidentsDropped++;
    }
  }

  /** Every incident, closed and open, in the order they started. */
  allIncidents(): Incident[] {
    return [...this.closed, ...[...this.incidents.values()].map(settle)].sort((a, b) => a.id - b.id);
  }
}

/** Fills the incident's last_seen from the last trigger's packet time. */
function settle(st: IncidentState): Incident {
  st.incident.last_seen = eveTimestamp(st.lastSec, st.lastNsec);
  return st.incident;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/**
 * An alert's score as written: 3 decimals, or as many more as keep a score that is above its threshold
 * above it (a model's score 0.85318 over its threshold 0.8531766 was written 0.853, below the threshold
 * printed beside it). Heuristic scores are counts over a threshold in other units: 3 decimals.
 */
export function shownScore(score: number, threshold: number): number {
  if (!(score > threshold)) return round3(score);
  for (let f = 1000; f <= 1e15; f *= 10) {
    const s = Math.round(score * f) / f;
    if (s > threshold) return s;
  }
  return score;
}
