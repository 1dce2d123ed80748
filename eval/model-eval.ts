// Evaluation of the model against ground truth: trained on the first part of each benign capture (the
// first trainShare of its packet time, in whole windows, so a short capture is only held out) and on
// captures given for training only, scored on the rest and on attack captures whose attacker or victim
// is known.
//   - ROC AUC per attack capture: labelled hosts' windows (positives) against held-out benign windows
//     (negatives).
//   - Detection rate: the share of labelled windows above the threshold, and whether the capture raised
//     an anomaly alert naming a labelled host.
//   - False alerts per hour: the alerts the held-out benign windows would raise (a window above the
//     threshold, one per host per suppression period, as the alert hub does), divided by their packet time.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DETECTION_DEFAULTS } from '../src/config/detection-defaults.js';
import { AnomalyDetector } from '../src/detect/anomaly-detector.js';
import { loadModel, saveModel, type ModelType, type RarityTables } from '../src/detect/anomaly-model.js';
import { DetectionEngine } from '../src/detect/detection-engine.js';
import { trainModel, type TrainingSet } from '../src/detect/model-training.js';
import { TrainingCollector } from '../src/detect/training-collector.js';
import { Pipeline, runFiles } from '../src/pipeline.js';

export type AttackType = 'scan' | 'flood' | 'brute_force' | 'tunnel';

export interface LabelledCapture {
  path: string;
  type: AttackType;
  /** Attacker and/or victim addresses from the ground truth. */
  hosts: string[];
}

/** Ground truth of the corpus attack captures (../shared/corpus/CATALOG.md) that have IP hosts to score. */
export const CORPUS_ATTACKS: readonly { file: string; type: AttackType; hosts: string[] }[] = [
  { file: 'attack/scan/ppa_synscan.pcapng', type: 'scan', hosts: ['172.16.0.8'] },
  { file: 'attack/dos/stopddos_pkt.TCP.synflood.spoofed.pcap', type: 'flood', hosts: ['10.10.10.10'] },
  { file: 'attack/dos/stopddos_pkt.TCP.DOMINATE.syn.ecn.cwr.pcapng', type: 'flood', hosts: ['10.10.10.10'] },
  { file: 'attack/dos/stopddos_amp.TCP.syn.optionallyACK.optionallysamePort.pcapng', type: 'flood', hosts: ['10.10.10.10'] },
  { file: 'attack/dos/stopddos_amp.UDP.snmp.src161.pcapng', type: 'flood', hosts: ['10.10.10.10'] },
  { file: 'attack/dos/stopddos_amp.UDP.isakmp.pcap', type: 'flood', hosts: ['10.10.10.10'] },
  { file: 'attack/dos/stopddos_amp.dns.RRSIG.fragmented.pcap', type: 'flood', hosts: ['10.10.10.10'] },
  { file: 'attack/dos/sv_thc_rsmurf6.pcap', type: 'flood', hosts: ['ff02::1'] },
  { file: 'attack/dos/sv_thc_denial6-5.pcap', type: 'flood', hosts: ['2001:db8:1::2', '2001:db8:1::1'] },
  { file: 'attack/bruteforce/zeek_ftp_bruteforce.pcap', type: 'brute_force', hosts: ['192.168.56.1'] },
  { file: 'attack/bruteforce/zeek_ssh_sshguess.pcap', type: 'brute_force', hosts: ['192.168.56.1'] },
  { file: 'attack/bruteforce/ppa1e_ftp-crack.pcap', type: 'brute_force', hosts: ['10.234.125.254'] },
  { file: 'attack/tunnel/sv_thc_covert_send6.pcap', type: 'tunnel', hosts: ['2001:db8:2:0:8e16:45ff:fee5:5ba2'] },
];

/** Corpus attack captures left out of the scoring, and why. */
export const CORPUS_NOT_SCORED: Readonly<Record<string, string>> = {
  'attack/dos/ppa1e_dosattack.pcap': 'every frame has a random source and destination: no host has a window of 5 packets',
  'attack/arp-spoof/ppa_arppoison.pcapng': 'ARP spoofing is link-layer: the arp_spoof detector judges it, host windows count IP traffic',
};

export interface Extracted {
  path: string;
  rows: Float64Array[];
  hosts: string[];
  starts: number[];
  alerted: boolean[];
  durationSec: number;
  packets: number;
  rarity: RarityTables;
}

export interface EvalOptions {
  modelType: ModelType;
  windowSec: number;
  minPackets: number;
  seed: number;
  alertsPerDay: number;
  /** Share of each split benign capture's packet time used for training; the rest is held out. */
  trainShare: number;
  /** Window grids the training windows are read on (train --phases). */
  phases: number;
}

export const EVAL_DEFAULTS: EvalOptions = { modelType: 'isolation-forest', windowSec: 30, minPackets: 5, seed: 1, alertsPerDay: 12, trainShare: 0.7, phases: 5 };

/** Every host window of a capture, with the heuristic detectors' verdicts (as `train` sees them). */
export async function extract(path: string, o: Pick<EvalOptions, 'windowSec' | 'minPackets'>, phases = 1): Promise<Extracted> {
  const engine = new DetectionEngine(DETECTION_DEFAULTS);
  const c = new TrainingCollector(o.windowSec, o.minPackets, DETECTION_DEFAULTS.anomaly.hostCapacity, engine.hub, phases);
  engine.addDetector(c);
  const p = new Pipeline([], engine);
  await runFiles(p, [path]);
  p.finish();
  return {
    path, rows: c.rows, hosts: c.hosts, starts: c.starts, alerted: c.alerted, durationSec: c.spanSec, packets: p.summary.packets,
    rarity: engine.rareService.tables(),
  };
}

/** The windows of e whose start is before (train) or from (held out) the cut, as a new Extracted. */
function part(e: Extracted, keep: (start: number) => boolean, durationSec: number): Extracted {
  const idx = e.rows.map((_, i) => i).filter((i) => keep(e.starts[i]));
  return {
    path: e.path, rows: idx.map((i) => e.rows[i]), hosts: idx.map((i) => e.hosts[i]), starts: idx.map((i) => e.starts[i]),
    alerted: idx.map((i) => e.alerted[i]), durationSec, packets: 0, rarity: e.rarity,
  };
}

function combine(parts: Extracted[]): TrainingSet {
  const set: TrainingSet = {
    rows: [], hosts: [], starts: [], files: parts.map((p) => p.path), packets: 0, durationSec: 0, windowsTotal: 0, windowsTooSmall: 0, windowsAlerted: 0,
    rarity: { protocols: {}, services: {} },
  };
  for (const p of parts) {
    p.rows.forEach((r, i) => { if (!p.alerted[i]) { set.rows.push(r); set.hosts.push(p.hosts[i]); set.starts.push(p.starts[i]); } else set.windowsAlerted++; });
    set.windowsTotal += p.rows.length;
    set.packets += p.packets;
    set.durationSec += p.durationSec;
  }
  return set;
}

/** Anomaly alerts raised by the full detect pipeline on a file with a model, by host named. */
async function anomalyAlerts(path: string, modelPath: string): Promise<string[]> {
  const engine = new DetectionEngine(DETECTION_DEFAULTS);
  const det = new AnomalyDetector(loadModel(modelPath), DETECTION_DEFAULTS.anomaly, engine.hub, false);
  engine.addDetector(det);
  const hosts: string[] = [];
  engine.hub.addSink({ alert: (a) => { if (a.netwatch.detector === 'anomaly') hosts.push(a.src_ip); } });
  const p = new Pipeline([], engine);
  await runFiles(p, [path]);
  p.finish();
  return hosts;
}

/**
 * Alerts the held-out windows would raise: a window above the threshold raises one unless its host
 * raised one less than suppressSec earlier (the alert hub's suppression; repeats fold into the incident).
 */
function alertsFrom(e: Extracted, scores: number[], threshold: number, suppressSec: number, windowSec: number): number {
  const last = new Map<string, number>();
  let n = 0;
  const order = scores.map((_, i) => i).sort((a, b) => e.starts[a] - e.starts[b] || a - b);
  for (const i of order) {
    if (!(scores[i] > threshold)) continue;
    const t = e.starts[i] + windowSec;
    const prev = last.get(e.hosts[i]);
    if (prev !== undefined && t - prev < suppressSec) continue;
    last.set(e.hosts[i], t);
    n++;
  }
  return n;
}

export interface CaptureResult {
  file: string;
  type: AttackType;
  /** Windows of the labelled hosts (of at least minPackets packets). */
  positives: number;
  auc: number;
  /** Share of labelled windows above the threshold. */
  windowDetectionRate: number;
  /** `detect` with the model raised an anomaly alert naming a labelled host. */
  alerted: boolean;
}

export interface EvalReport {
  options: EvalOptions;
  training: { windows: number; hosts: number; threshold: number; hours: number };
  benign: {
    heldOutHours: number; heldOutWindows: number; falseAlerts: number; falseAlertsPerHour: number; files: string[];
    /**
     * Benign windows whose host a heuristic detector named (left out of training; scored as negatives when
     * held out): 0 when the benign traffic is benign by the heuristics too.
     */
    namedByAlerts: { training: number; heldOut: number };
  };
  captures: CaptureResult[];
  byType: Record<string, { captures: number; minAuc: number; meanAuc: number; windowDetectionRate: number; capturesAlerted: number }>;
  /** The same model at other alert budgets: only the threshold moves. */
  budgets: { alertsPerDay: number; threshold: number; falseAlertsPerHour: number; windowDetectionRate: Record<string, number> }[];
}

/** AUC by pair counting: P(positive > negative) with ties counted half. */
function auc(pos: number[], neg: number[]): number {
  const n = Float64Array.from(neg).sort();
  let wins = 0;
  for (const p of pos) {
    let lo = 0;
    let hi = n.length;
    while (lo < hi) { const m = (lo + hi) >> 1; if (n[m] < p) lo = m + 1; else hi = m; }
    let eq = lo;
    while (eq < n.length && n[eq] === p) eq++;
    wins += lo + (eq - lo) / 2;
  }
  return pos.length * n.length > 0 ? wins / (pos.length * n.length) : NaN;
}

export interface BenignInputs {
  /** Captures split in time: the first trainShare of each trains, the rest is held out. */
  split: string[];
  /** Captures only trained on, and only held out (e.g. two live recordings). */
  trainOnly: string[];
  heldOutOnly: string[];
}

export async function evaluate(benignIn: BenignInputs, attacks: LabelledCapture[], o: EvalOptions = EVAL_DEFAULTS, otherBudgets: number[] = [48, 240]): Promise<EvalReport> {
  const dir = mkdtempSync(join(tmpdir(), 'nw-eval-'));
  try {
    const split = await Promise.all(benignIn.split.map((f) => extract(f, o)));
    const splitPhased = await Promise.all(benignIn.split.map((f) => extract(f, o, o.phases)));
    const trainOnly = await Promise.all(benignIn.trainOnly.map((f) => extract(f, o, o.phases)));
    const heldOnly = await Promise.all(benignIn.heldOutOnly.map((f) => extract(f, o)));
    const trainParts: Extracted[] = [...trainOnly];
    const heldParts: Extracted[] = [...heldOnly];
    // Training windows (on every phase's grid) must end before the cut; held-out ones (the scoring grid) start at it.
    split.forEach((e, k) => {
      if (e.rows.length === 0) return;
      const first = Math.min(...e.starts);
      const cut = first + Math.round((e.durationSec * o.trainShare) / o.windowSec) * o.windowSec;
      trainParts.push(part(splitPhased[k], (s) => s + o.windowSec <= cut, cut - first));
      heldParts.push(part(e, (s) => s >= cut, Math.max(0, e.durationSec - (cut - first))));
    });
    const set = combine(trainParts);
    set.rarity = mergeRarity(trainParts.map((p) => p.rarity));
    const model = trainModel(set, { modelType: o.modelType, windowSec: o.windowSec, minPackets: o.minPackets, seed: o.seed, alertsPerDay: o.alertsPerDay, phases: o.phases });
    const modelPath = join(dir, 'model.json');
    saveModel(model, modelPath);
    const m = loadModel(modelPath);
    const neg: number[] = [];
    let falseAlerts = 0;
    let heldSec = 0;
    for (const h of heldParts) {
      const scores = h.rows.map((r) => m.score(r));
      neg.push(...scores);
      heldSec += h.durationSec;
      falseAlerts += alertsFrom(h, scores, m.threshold, DETECTION_DEFAULTS.alerts.suppressSec, o.windowSec);
    }
    const captures: CaptureResult[] = [];
    const posScores: number[][] = [];
    for (const a of attacks) {
      const d = await extract(a.path, o);
      const pos = d.rows.filter((_, j) => a.hosts.includes(d.hosts[j])).map((r) => m.score(r));
      posScores.push(pos);
      const named = await anomalyAlerts(a.path, modelPath);
      captures.push({
        file: a.path, type: a.type, positives: pos.length, auc: round3(auc(pos, neg)),
        windowDetectionRate: pos.length > 0 ? round3(pos.filter((s) => s > m.threshold).length / pos.length) : 0,
        alerted: named.some((h) => a.hosts.includes(h)),
      });
    }
    const byType: EvalReport['byType'] = {};
    for (const t of ['scan', 'flood', 'brute_force', 'tunnel'] as const) {
      const cs = captures.filter((c) => c.type === t && c.positives > 0);
      if (cs.length === 0) continue;
      byType[t] = {
        captures: cs.length,
        minAuc: Math.min(...cs.map((c) => c.auc)),
        meanAuc: round3(cs.reduce((s, c) => s + c.auc, 0) / cs.length),
        windowDetectionRate: round3(cs.reduce((s, c) => s + c.windowDetectionRate, 0) / cs.length),
        capturesAlerted: cs.filter((c) => c.alerted).length,
      };
    }
    const hours = heldSec / 3600;
    const budgets: EvalReport['budgets'] = [];
    for (const perDay of otherBudgets) {
      const thr = trainModel(set, { modelType: o.modelType, windowSec: o.windowSec, minPackets: o.minPackets, seed: o.seed, alertsPerDay: perDay, phases: o.phases }).threshold;
      let fa = 0;
      let k = 0;
      for (const h of heldParts) { const sc = neg.slice(k, k + h.rows.length); k += h.rows.length; fa += alertsFrom(h, sc, thr, DETECTION_DEFAULTS.alerts.suppressSec, o.windowSec); }
      const rate: Record<string, number> = {};
      for (const t of Object.keys(byType)) {
        const idx = captures.map((c, i) => (c.type === t && c.positives > 0 ? i : -1)).filter((i) => i >= 0);
        rate[t] = round3(idx.reduce((sum, i) => sum + posScores[i].filter((x) => x > thr).length / posScores[i].length, 0) / idx.length);
      }
      budgets.push({ alertsPerDay: perDay, threshold: thr, falseAlertsPerHour: round3(fa / hours), windowDetectionRate: rate });
    }
    return {
      budgets,
      options: o,
      training: { windows: model.training.windows_used, hosts: model.training.hosts, threshold: model.threshold, hours: round3(model.training.duration_sec / 3600) },
      benign: {
        heldOutHours: round3(hours), heldOutWindows: neg.length, falseAlerts, falseAlertsPerHour: round3(falseAlerts / hours),
        files: [...benignIn.split, ...benignIn.trainOnly, ...benignIn.heldOutOnly],
        namedByAlerts: { training: set.windowsAlerted, heldOut: heldParts.reduce((n, h) => n + h.alerted.filter(Boolean).length, 0) },
      },
      captures, byType,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function mergeRarity(list: RarityTables[]): RarityTables {
  const out: RarityTables = { protocols: {}, services: {} };
  for (const r of list) {
    for (const [k, v] of Object.entries(r.protocols)) out.protocols[k] = (out.protocols[k] ?? 0) + v;
    for (const [k, v] of Object.entries(r.services)) out.services[k] = (out.services[k] ?? 0) + v;
  }
  return out;
}

function round3(x: number): number { return Math.round(x * 1000) / 1000; }
