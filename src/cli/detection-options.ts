// Flags that turn on tracking and detection for capture and analyze, and the alert/flow outputs they select.

import type { Argv } from 'yargs';
import type { EveAlert, Incident } from '../alert/eve-alert.js';
import { loadDetectionConfig, loadIntelFeeds, loadReputationConfig } from '../config/detection-config-file.js';
import { IntelStore } from '../intel/intel-store.js';
import { readAssets } from '../store/asset-store.js';
import { ReputationLookup } from '../intel/reputation-lookup.js';
import { openDatabase } from '../store/netwatch-db.js';
import { AssetServicesDetector } from '../detect/asset-services.js';
import { IntelMatchDetector } from '../detect/intel-match.js';
import { DetectionEngine } from '../detect/detection-engine.js';
import { AlertCollector, AlertLogSink, ConsoleAlertSink, JsonlAlertSink } from '../output/alert-sinks.js';
import { JsonlFlowSink } from '../output/flow-jsonl-sink.js';
import { defaultDbPath } from '../config/default-paths.js';
import { RunStore, type FlowStoreMode, type RunStatus, type RunTotals } from '../store/netwatch-db.js';
import { MinuteStats } from '../track/minute-stats.js';
import { loadModel } from '../detect/anomaly-model.js';
import { AnomalyDetector } from '../detect/anomaly-detector.js';
import { NetwatchError } from '../errors.js';
import { checkParentDirectory } from './output-options.js';

export interface DetectionArgs {
  detect: boolean;
  store: boolean;
  db?: string;
  'db-flows': FlowStoreMode;
  alerts?: string;
  'alert-log'?: string;
  flows?: string;
  config?: string;
  model?: string;
}

export function withDetectionOptions<T>(y: Argv<T>) {
  return y
    .option('detect', { type: 'boolean', default: true, describe: 'track flows and run the detectors (--no-detect: decode and summary only)' })
    .option('alerts', { type: 'string', describe: 'write every alert to this file as JSON Lines (EVE alert records; - for stdout)' })
    .option('alert-log', { type: 'string', describe: 'append alerts to this log as they are raised (JSON Lines, for tail -f)' })
    .option('flows', { type: 'string', describe: 'write every flow to this file as JSON Lines when it closes (- for stdout)' })
    .option('config', { type: 'string', describe: 'JSON file with detection thresholds and threat-intelligence feeds ({"detection": {...}, "intel": {"feeds": [...]}}); see docs/detectors.md, docs/intel.md' })
    .option('model', { type: 'string', describe: 'score host windows with this model (from netwatch train) and raise anomaly alerts' })
    .option('store', { type: 'boolean', default: true, describe: 'record the run, its alerts and incidents in the database (--no-store: do not, and without --db read no assets from it either)' })
    .option('db', { type: 'string', describe: 'SQLite database (default $NETWATCH_DB or ~/.local/share/netwatch/netwatch.db)' })
    .option('db-flows', { type: 'string', choices: ['off', 'alerted', 'all'] as const, default: 'off' as const, describe: 'flows kept in the database: off (none), alerted (those an alert was raised on), or all' });
}

export interface DetectionSetup {
  engine: DetectionEngine | null;
  /** The model's scorer when --model was given. */
  anomaly: AnomalyDetector | null;
  /** Threat-intelligence matching when the --config file names feeds. */
  intel: IntelMatchDetector | null;
  /** Online reputation of alerted addresses (--config "reputation"), looked up off the packet path. */
  reputation: ReputationLookup | null;
  /** End of input: waits (bounded) for the queued reputation lookups. */
  drainReputation(maxMs: number): Promise<void>;
  collector: AlertCollector | null;
  store: RunStore | null;
  /** Per-minute statistics feeding the store (null without one). */
  minutes: MinuteStats | null;
  /** End of the run: outputs made final; the run's totals recorded in the database (damaged: an input file was corrupt part way). */
  finish(totals: Omit<RunTotals, 'alerts'>, damaged?: boolean): void;
  /** The run failed: exports dropped; the run recorded as failed with what was processed before it. */
  abort(totals: Omit<RunTotals, 'alerts'>): void;
  /** Alerts (as listed) and incidents for the summary. */
  report(): { raised: number; suppressed: number; listed: EveAlert[]; omitted: number; incidents: Incident[] } | null;
}

/** How long the end of a run waits for queued reputation lookups. */
export const REPUTATION_WAIT_MS = 15_000;

export function setupDetection(args: DetectionArgs, live: NodeJS.WriteStream | null, run: { kind: 'interface' | 'file'; source: string }): DetectionSetup {
  if (!args.detect) {
    if (args.model !== undefined) throw new NetwatchError('NW_ERR_USAGE', '--model needs detection: drop --no-detect');
    return { engine: null, anomaly: null, intel: null, reputation: null, drainReputation: async () => undefined, collector: null, store: null, minutes: null, finish: () => undefined, abort: () => undefined, report: () => null };
  }
  const cfg = loadDetectionConfig(args.config);
  const feeds = loadIntelFeeds(args.config);
  if (args.model === '' || args.model === '-') throw new NetwatchError('NW_ERR_USAGE', '--model: needs a file name (a model made by netwatch train)');
  const model = args.model !== undefined ? loadModel(args.model) : null;
  const engine = new DetectionEngine(cfg);
  let intel: IntelMatchDetector | null = null;
  if (feeds.length > 0) {
    const store = IntelStore.load(feeds);
    for (const l of store.loads) {
      if (l.badLines > 0) {
        process.stderr.write(`netwatch: warning: intel feed ${l.feed} (${l.path}): ${l.badLines} bad lines skipped (${l.badExamples.join('; ')})\n`);
      }
    }
    intel = new IntelMatchDetector(store);
    engine.addDetector(intel);
    const det = intel;
    engine.hub.annotate = (a) => det.annotate(a);
  }
  // Assets from the database (netwatch assets import): services a scanned host was not known to offer.
  // --no-store without --db touches no database at all.
  // A named database must go in a directory that exists (a typo is an error); the default one's is made.
  if (args.db !== undefined && args.store) checkParentDirectory('db', args.db);
  const assets = args.store || args.db !== undefined ? readAssets(args.db ?? defaultDbPath()) : null;
  if (assets !== null) engine.addDetector(new AssetServicesDetector(assets.services, assets.scannedAt, cfg.assets));
  let anomaly: AnomalyDetector | null = null;
  if (model !== null) {
    anomaly = new AnomalyDetector(model, cfg.anomaly, engine.hub, false);
    engine.addDetector(anomaly);
    engine.rareService.preload(model.file.rarity);
  }
  const collector = new AlertCollector();
  engine.hub.addSink(collector);
  if (live !== null) engine.hub.addSink(new ConsoleAlertSink(live));
  const log = args['alert-log'] !== undefined ? new AlertLogSink(args['alert-log']) : null;
  if (log) engine.hub.addSink(log);
  const jsonl = args.alerts !== undefined ? new JsonlAlertSink(args.alerts) : null;
  if (jsonl) engine.hub.addSink(jsonl);
  const flows = args.flows !== undefined ? new JsonlFlowSink(args.flows) : null;
  if (flows) engine.flowSinks.push(flows);
  // Every part of the config is read before the run is recorded: a bad one once left a run 'running'.
  const repCfg = loadReputationConfig(args.config);
  if (repCfg !== null && !args.store) throw new NetwatchError('NW_ERR_USAGE', 'reputation lookups are cached in the database: drop --no-store');
  const store = args.store ? new RunStore(args.db ?? defaultDbPath(), run.kind, run.source, args['db-flows']) : null;
  let minutes: MinuteStats | null = null;
  if (store) {
    engine.hub.addSink(store);
    engine.flowSinks.push(store);
    minutes = new MinuteStats();
    minutes.onMinute = (row) => store.minute(row);
  }
  let reputation: ReputationLookup | null = null;
  let repDb: ReturnType<typeof openDatabase> | null = null;
  if (repCfg !== null && store !== null) {
    repDb = openDatabase(store.path, false);
    const rep = new ReputationLookup(repCfg, repDb);
    reputation = rep;
    engine.hub.addSink({ alert: (a) => { rep.enqueue(a.src_ip); if (a.dest_ip !== a.src_ip) rep.enqueue(a.dest_ip); } });
  }
  // Alert log writes that failed (a full disk) did not stop the run; the operator hears of them once, here.
  const closeLog = (): void => {
    if (log === null) return;
    log.close();
    if (log.writeErrors > 0) {
      process.stderr.write(`netwatch: warning: ${log.path}: ${log.writeErrors} alert log write(s) failed (${log.lastWriteError})` +
        `${log.dropped > 0 ? `; ${log.dropped} dropped beyond the 16 MiB held in memory` : ''}` +
        `${log.lostAtClose ? '; those still held at the end were not written' : `; the ${log.dropped > 0 ? 'rest' : 'alerts'} were written once there was room`}\n`);
    }
  };
  const closeStore = (totals: Omit<RunTotals, 'alerts'>, status: RunStatus): void => {
    if (!store) return;
    store.finish(engine.hub.allIncidents(), { ...totals, alerts: engine.hub.alertsRaised }, status);
    if (store.writeErrors > 0) {
      process.stderr.write(`netwatch: warning: ${store.path}: ${store.writeErrors} writes to the database failed (${store.lastWriteError}); ` +
        'the alerts reached the console and the alert log\n');
    }
  };
  return {
    engine,
    anomaly,
    intel,
    reputation,
    drainReputation: async (maxMs) => { if (reputation !== null) await reputation.drain(maxMs); repDb?.close(); repDb = null; },
    collector,
    store,
    minutes,
    finish: (totals, damaged = false) => { jsonl?.finish(); flows?.finish(); closeLog(); closeStore(totals, damaged ? 'damaged' : 'completed'); },
    abort: (totals) => { jsonl?.abort(); flows?.abort(); closeLog(); closeStore(totals, 'failed'); },
    report: () => ({
      raised: engine.hub.alertsRaised, suppressed: engine.hub.suppressed, listed: collector.alerts, omitted: collector.omitted,
      incidents: engine.hub.allIncidents(),
    }),
  };
}
