// Evaluation of the model against ground truth: trained on benign traffic with one benign capture held
// out at a time (leave-one-out), scored on attack captures whose attacker or victim is known.
//   - ROC AUC per attack capture: labelled hosts' windows (positives) against held-out benign windows
//     (negatives), pairs counted within each fold and pooled over the folds.
//   - Detection rate: the share of labelled windows above the threshold, and whether the capture raised
//     an anomaly alert naming a labelled host.
//   - False alerts per hour: anomaly alerts raised by `detect` on the held-out benign captures, divided
//     by their packet-time length.

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
}

export const EVAL_DEFAULTS: EvalOptions = { modelType: 'isolation-forest', windowSec: 10, minPackets: 5, seed: 1, alertsPerDay: 12 };

/** Every host window of a capture, with the heuristic detectors' verdicts (as `train` sees them). */
export async function extract(path: string, o: EvalOptions): Promise<Extracted> {
  const engine = new DetectionEngine(DETECTION_DEFAULTS);
  const c = new TrainingCollector(o.windowSec, o.minPackets, DETECTION_DEFAULTS.anomaly.hostCapacity, engine.hub);
  engine.addDetector(c);
  const p = new Pipeline([], engine);
  await runFiles(p, [path]);
  p.finish();
  return { path, rows: c.rows, hosts: c.hosts, alerted: c.alerted, durationSec: c.spanSec, packets: p.summary.packets, rarity: engine.rareService.tables() };
}

function combine(parts: Extracted[]): TrainingSet {
  const set: TrainingSet = {
    rows: [], hosts: [], files: parts.map((p) => p.path), packets: 0, durationSec: 0, windowsTotal: 0, windowsTooSmall: 0, windowsAlerted: 0,
    rarity: { protocols: {}, services: {} },
  };
  for (const p of parts) {
    p.rows.forEach((r, i) => { if (!p.alerted[i]) { set.rows.push(r); set.hosts.push(p.hosts[i]); } else set.windowsAlerted++; });
    set.windowsTotal += p.rows.length;
    set.packets += p.packets;
    set.durationSec += p.durationSec;
  }
  return set;
}

/** Anomaly alerts raised by the full detect pipeline on a file with a model. */
async function anomalyAlerts(path: string, modelPath: string): Promise<number> {
  const engine = new DetectionEngine(DETECTION_DEFAULTS);
  const det = new AnomalyDetector(loadModel(modelPath), DETECTION_DEFAULTS.anomaly, engine.hub, false);
  engine.addDetector(det);
  let n = 0;
  engine.hub.addSink({ alert: (a) => { if (a.netwatch.detector === 'anomaly') n++; } });
  const p = new Pipeline([], engine);
  await runFiles(p, [path]);
  p.finish();
  return n;
}

export interface CaptureResult {
  file: string;
  type: AttackType;
  positives: number;
  auc: number;
  /** Share of labelled windows above the threshold (mean over folds). */
  windowDetectionRate: number;
  /** Folds in which some labelled window was above the threshold. */
  detectedFolds: number;
  folds: number;
}

export interface EvalReport {
  options: EvalOptions;
  benign: { files: string[]; heldOutHours: number; heldOutWindows: number; falseAlerts: number; falseAlertsPerHour: number };
  captures: CaptureResult[];
  byType: Record<string, { captures: number; minAuc: number; meanAuc: number; windowDetectionRate: number; capturesDetected: number }>;
  /** Benign files always in training (e.g. recorded live), never held out. */
  alwaysTrained: string[];
}

/** AUC by pair counting: P(positive > negative) with ties counted half. */
function pairWins(pos: number[], neg: number[]): { wins: number; pairs: number } {
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
  return { wins, pairs: pos.length * n.length };
}

export async function evaluate(benignFiles: string[], extraBenign: string[], attacks: LabelledCapture[], o: EvalOptions = EVAL_DEFAULTS): Promise<EvalReport> {
  const dir = mkdtempSync(join(tmpdir(), 'nw-eval-'));
  try {
    const benign = await Promise.all(benignFiles.map((f) => extract(f, o)));
    const extra = await Promise.all(extraBenign.map((f) => extract(f, o)));
    const attackData = await Promise.all(attacks.map((a) => extract(a.path, o)));
    const acc = attacks.map(() => ({ wins: 0, pairs: 0, rate: 0, detected: 0, positives: 0, folds: 0 }));
    let falseAlerts = 0;
    let heldOutSec = 0;
    let heldOutWindows = 0;
    for (let k = 0; k < benign.length; k++) {
      const train = combine([...benign.filter((_, i) => i !== k), ...extra]);
      const model = trainModel(train, { modelType: o.modelType, windowSec: o.windowSec, minPackets: o.minPackets, seed: o.seed, alertsPerDay: o.alertsPerDay });
      const modelPath = join(dir, `fold-${k}.json`);
      saveModel(model, modelPath);
      const m = loadModel(modelPath);
      const held = benign[k];
      const neg = held.rows.map((r) => m.score(r));
      heldOutWindows += neg.length;
      heldOutSec += held.durationSec;
      falseAlerts += await anomalyAlerts(held.path, modelPath);
      attacks.forEach((a, i) => {
        const d = attackData[i];
        const pos = d.rows.filter((_, j) => a.hosts.includes(d.hosts[j])).map((r) => m.score(r));
        const r = acc[i];
        r.positives = pos.length;
        if (pos.length === 0) return;
        r.folds++;
        const w = pairWins(pos, neg);
        r.wins += w.wins; r.pairs += w.pairs;
        const above = pos.filter((s) => s > m.threshold).length;
        r.rate += above / pos.length;
        if (above > 0) r.detected++;
      });
    }
    const captures: CaptureResult[] = attacks.map((a, i) => ({
      file: a.path, type: a.type, positives: acc[i].positives,
      auc: acc[i].pairs > 0 ? round3(acc[i].wins / acc[i].pairs) : NaN,
      windowDetectionRate: acc[i].folds > 0 ? round3(acc[i].rate / acc[i].folds) : 0,
      detectedFolds: acc[i].detected, folds: acc[i].folds,
    }));
    const byType: EvalReport['byType'] = {};
    for (const t of ['scan', 'flood', 'brute_force', 'tunnel'] as const) {
      const cs = captures.filter((c) => c.type === t && c.positives > 0);
      if (cs.length === 0) continue;
      byType[t] = {
        captures: cs.length,
        minAuc: Math.min(...cs.map((c) => c.auc)),
        meanAuc: round3(cs.reduce((s, c) => s + c.auc, 0) / cs.length),
        windowDetectionRate: round3(cs.reduce((s, c) => s + c.windowDetectionRate, 0) / cs.length),
        capturesDetected: cs.filter((c) => c.detectedFolds > c.folds / 2).length,
      };
    }
    const hours = heldOutSec / 3600;
    return {
      options: o,
      benign: { files: benignFiles, heldOutHours: round3(hours), heldOutWindows, falseAlerts, falseAlertsPerHour: round3(falseAlerts / hours) },
      captures, byType, alwaysTrained: extraBenign,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function round3(x: number): number { return Math.round(x * 1000) / 1000; }
