// The daemon's lifecycle: capture per the config, detection and the store running for as long as the
// service does; a stats line on an interval; housekeeping on node-cron schedules; SIGTERM/SIGINT drain
// and flush, SIGHUP reloads the config, SIGUSR2 reopens the alert log.

import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import cron, { type ScheduledTask } from 'node-cron';
import { pino, type Logger } from 'pino';
import { LiveCapture } from './capture/live-capture.js';
import { assertInterfaceExists, defaultInterface, interfaceIndex } from './capture/network-interfaces.js';
import { loadDaemonConfig, type DaemonConfig } from './config/daemon-config.js';
import { DetectionEngine } from './detect/detection-engine.js';
import { AnomalyDetector } from './detect/anomaly-detector.js';
import { loadModel } from './detect/anomaly-model.js';
import { refreshModel } from './detect/model-refresh.js';
import { IntelMatchDetector } from './detect/intel-match.js';
import { IntelStore } from './intel/intel-store.js';
import { readAssets } from './store/asset-store.js';
import { computeHostScores, storeHostScores } from './store/host-scores.js';
import { ReputationLookup } from './intel/reputation-lookup.js';
import { openDatabase } from './store/netwatch-db.js';
import { AssetServicesDetector } from './detect/asset-services.js';
import { NetwatchError, isNetwatchError } from './errors.js';
import { AlertLogSink } from './output/alert-sinks.js';
import { Pipeline, runLive } from './pipeline.js';
import { RunStore } from './store/netwatch-db.js';
import { MinuteStats } from './track/minute-stats.js';

export interface DaemonOptions {
  configFile: string | undefined;
  flags: Partial<Record<keyof DaemonConfig, unknown>>;
}

const MAX_BACKOFF_MS = 30_000;
/**
 * At a stop, how long the frames still in the ring are analysed before the rest is discarded and counted
 * as ring drops: under a flood the daemon had a million frames queued and took 96 s to stop.
 */
const STOP_DRAIN_BUDGET_MS = 20_000;

export async function runDaemon(opts: DaemonOptions, first: DaemonConfig): Promise<number> {
  let cfg = first;
  const root: Logger = pino({ level: cfg.logLevel, base: { app: 'netwatch' } }, pino.destination({ dest: 1, sync: true }));
  const log = root.child({ component: 'daemon' });
  // The model (when configured) is checked first: a bad file is a config error, refused before capture.
  const model = cfg.model !== null ? loadModel(cfg.model) : null;
  // An interface that does not exist yet (netwatch@eth1 before the device appears) is waited for, with
  // backoff, like one that goes away while running.
  const device = cfg.interface ?? defaultInterface();

  const engine = new DetectionEngine(cfg.detection);
  // Feeds are read before capture starts: an unreadable feed is a config error; bad lines are counted.
  const intelLog = root.child({ component: 'intel' });
  const loadIntel = (feeds: DaemonConfig['intel']): IntelStore => {
    const store = IntelStore.load(feeds);
    for (const l of store.loads) intelLog.info({ feed: l.feed, path: l.path, format: l.format, indicators: l.indicators, duplicates: l.duplicates, badLines: l.badLines, badExamples: l.badExamples, ms: l.ms }, 'intel feed loaded');
    return store;
  };
  const intel = new IntelMatchDetector(loadIntel(cfg.intel));
  engine.addDetector(intel);
  engine.hub.annotate = (a) => intel.annotate(a);
  const reloadIntel = (feeds: DaemonConfig['intel'], why: string): void => {
    try {
      const store = loadIntel(feeds);
      intel.replaceStore(store);
      intelLog.info({ why, feeds: feeds.length, indicators: store.indicators }, 'intel reloaded');
    } catch (e) {
      intelLog.error({ why, err: (e as Error).message }, 'intel reload failed; the loaded indicators are kept');
    }
  };
  const assets = readAssets(cfg.db);
  if (assets !== null) {
    engine.addDetector(new AssetServicesDetector(assets.services, assets.scannedAt, cfg.detection.assets));
    log.info({ hosts: assets.services.size, scannedAt: assets.scannedAt }, 'assets loaded');
  }
  let anomaly: AnomalyDetector | null = null;
  if (model !== null) {
    anomaly = new AnomalyDetector(model, cfg.detection.anomaly, engine.hub, true);
    engine.addDetector(anomaly);
    engine.rareService.preload(model.file.rarity);
  }
  // The alert log first: if it cannot be opened no run is started in the database (it would stay 'running').
  const alertLog = cfg.alertLog !== null ? new AlertLogSink(cfg.alertLog) : null;
  const store = new RunStore(cfg.db, 'interface', device, cfg.dbFlows);
  if (store.runsInterrupted > 0) log.warn({ runs: store.runsInterrupted, db: cfg.db }, "runs left 'running' by processes that died (kill -9, power loss) marked 'interrupted'");
  engine.hub.addSink(store);
  engine.flowSinks.push(store);
  if (alertLog) engine.hub.addSink(alertLog);
  const alertLogger = root.child({ component: 'alert' });
  engine.hub.addSink({
    alert: (a) => alertLogger.info({ signature_id: a.alert.signature_id, src_ip: a.src_ip, dest_ip: a.dest_ip, severity: a.alert.severity }, a.alert.signature),
  });
  const minutes = new MinuteStats();
  minutes.onMinute = (row) => store.minute(row);
  const pipeline = new Pipeline([], engine, minutes);

  let stopping = false;
  let restart = false;
  /** Frames the ring still held when the stop's drain budget ran out. */
  let abandonedFrames = 0;
  // A filter libpcap refused at a reload: while the file still names it, a reload is refused at once.
  let refusedFilter: string | null = null;
  /** A reload waiting for libpcap to take its new filter: applied when the capture starts on it, dropped if refused. */
  const reloading: { pending: { filter: string; apply: () => void } | null } = { pending: null };
  let live: LiveCapture | null = null;
  const onStop = (sig: string) => () => { log.info({ signal: sig }, 'stopping'); stopping = true; };
  process.on('SIGTERM', onStop('SIGTERM'));
  process.on('SIGINT', onStop('SIGINT'));
  process.on('SIGUSR2', () => { alertLog?.reopen(); log.info({ alertLog: cfg.alertLog }, 'alert log reopened'); });
  process.on('SIGHUP', () => {
    try {
      const next = loadDaemonConfig(opts.configFile, opts.flags);
      if (next.filter !== cfg.filter && next.filter === refusedFilter) {
        throw new NetwatchError('NW_ERR_BAD_FILTER', `filter "${next.filter}" was refused by libpcap at an earlier reload`);
      }
      // Feeds are read again on every SIGHUP (the files may have changed even when the config did not), and
      // first: a feed that cannot be read refuses the whole file, as at start.
      const intelStore = loadIntel(next.intel);
      const apply = (): void => {
        const changes: string[] = [];
        if (next.logLevel !== cfg.logLevel) { root.level = next.logLevel; changes.push('logLevel'); }
        if (JSON.stringify(next.detection) !== JSON.stringify(cfg.detection)) { engine.reconfigure(next.detection); changes.push('detection'); }
        if (next.modelRefreshMinWindows !== cfg.modelRefreshMinWindows) changes.push('modelRefreshMinWindows');
        intel.replaceStore(intelStore);
        intelLog.info({ why: 'SIGHUP', feeds: next.intel.length, indicators: intelStore.indicators }, 'intel reloaded');
        if (JSON.stringify(next.intel) !== JSON.stringify(cfg.intel)) changes.push('intel');
        if (next.filter !== cfg.filter) changes.push('filter');
        // Read where they are used, so they apply from the next run of their job or stats line.
        for (const k of ['retentionDays', 'retentionBatch', 'statsIntervalSec'] as const) if (next[k] !== cfg[k]) changes.push(k);
        const fixed: string[] = (['interface', 'db', 'alertLog', 'dbFlows', 'bufferMb', 'ringMb', 'snaplen', 'model'] as const).filter((k) => next[k] !== cfg[k]);
        // The jobs were scheduled, and the reputation client made, at start.
        if (JSON.stringify(next.schedules) !== JSON.stringify(cfg.schedules)) fixed.push('schedules');
        if (JSON.stringify(next.reputation) !== JSON.stringify(cfg.reputation)) fixed.push('reputation');
        cfg = {
          ...next, interface: cfg.interface, db: cfg.db, alertLog: cfg.alertLog, dbFlows: cfg.dbFlows, bufferMb: cfg.bufferMb, ringMb: cfg.ringMb,
          snaplen: cfg.snaplen, model: cfg.model, schedules: cfg.schedules, reputation: cfg.reputation,
        };
        log.info({ changed: changes, needsRestart: fixed }, 'config reloaded');
      };
      if (next.filter !== cfg.filter) {
        // Only libpcap can say whether a filter compiles: the capture restarts on it, and the file is
        // applied whole once it does, or refused whole if it does not (see the capture loop).
        reloading.pending = { filter: next.filter, apply };
        restart = true;
        log.info({ filter: next.filter }, 'restarting capture with the new filter; the rest of the file applies once libpcap takes it');
        return;
      }
      reloading.pending = null;
      apply();
    } catch (e) {
      log.error({ err: isNetwatchError(e) ? e.message : String(e) }, 'config reload refused; the running config is kept');
    }
  });

  // Housekeeping on the wall clock, never overlapping itself. node-cron's own warnings (a missed run while
  // the thread was busy) go through pino too: its default logger wrote coloured text into the JSON stream.
  const cronLog = root.child({ component: 'cron' });
  const errText = (m: string | Error, e?: Error): string => [m instanceof Error ? m.message : m, e?.message].filter(Boolean).join(': ');
  cron.setLogger({
    info: (m) => cronLog.info(m),
    warn: (m) => cronLog.warn(m),
    error: (m, e) => cronLog.error(errText(m, e)),
    debug: (m, e) => cronLog.debug(errText(m, e)),
  });
  const jobs: ScheduledTask[] = [
    cron.schedule(cfg.schedules.retention, async () => {
      if (cfg.retentionDays <= 0) return;
      const t0 = Date.now();
      try {
        const deleted = await store.deleteOlderThan(Date.now() / 1000 - cfg.retentionDays * 86400, cfg.retentionBatch);
        log.info({ job: 'retention', days: cfg.retentionDays, deleted, ms: Date.now() - t0 }, 'retention done');
      } catch (e) {
        log.error({ job: 'retention', err: (e as Error).message }, 'retention failed; tried again at its next time');
      }
    }, { noOverlap: true, name: 'retention' }),
    // Finished minutes of statistics go to the database within a minute, not only every ten.
    cron.schedule(cfg.schedules.rollup, () => { store.flush(); }, { noOverlap: true, name: 'rollup' }),
    cron.schedule(cfg.schedules.checkpoint, () => {
      try {
        const r = store.checkpoint();
        log.info({ job: 'checkpoint', ...r }, 'WAL checkpoint done');
      } catch (e) {
        log.error({ job: 'checkpoint', err: (e as Error).message }, 'WAL checkpoint failed; tried again at its next time');
      }
    }, { noOverlap: true, name: 'checkpoint' }),
  ];
  // Reputation of alerted addresses, fetched in the background at the configured rate (never per packet).
  let reputationTimer: NodeJS.Timeout | null = null;
  let repDb: ReturnType<typeof openDatabase> | null = null;
  if (cfg.reputation !== null) {
    repDb = openDatabase(cfg.db, false);
    const rep = new ReputationLookup(cfg.reputation, repDb);
    engine.hub.addSink({ alert: (a) => { rep.enqueue(a.src_ip); if (a.dest_ip !== a.src_ip) rep.enqueue(a.dest_ip); } });
    let busy = false;
    reputationTimer = setInterval(() => {
      if (busy) return;
      busy = true;
      rep.pump().then((n) => { if (n > 0) log.info({ job: 'reputation', ...rep.stats, pending: rep.pending }, 'reputation lookups'); })
        .catch((e: Error) => log.error({ job: 'reputation', err: e.message }, 'reputation lookups failed'))
        .finally(() => { busy = false; });
    }, 2000);
    reputationTimer.unref();
  }
  // Threat scores from the alerts so far, stored over time (netwatch hosts --history).
  jobs.push(cron.schedule(cfg.schedules.hostScores, () => {
    store.flush();
    const db = openDatabase(cfg.db, false);
    // On the analysis thread: a locked database fails the job at once rather than stalling capture.
    db.pragma('busy_timeout = 50');
    try {
      const { at, hosts } = computeHostScores(db, cfg.detection.threatScore);
      const n = hosts.length > 0 ? storeHostScores(db, at, hosts) : 0;
      log.info({ job: 'hostScores', hosts: n, top: hosts.slice(0, 3).map((h) => `${h.host} ${h.score}`) }, 'host scores stored');
    } catch (e) {
      log.error({ job: 'hostScores', err: (e as Error).message }, 'host scores failed');
    } finally {
      db.close();
    }
  }, { noOverlap: true, name: 'hostScores' }));
  // Scheduled even without feeds: a SIGHUP may add some.
  jobs.push(cron.schedule(cfg.schedules.intelReload, () => { if (cfg.intel.length > 0) reloadIntel(cfg.intel, 'schedule'); }, { noOverlap: true, name: 'intelReload' }));
  if (anomaly !== null) {
    const det = anomaly;
    jobs.push(cron.schedule(cfg.schedules.modelRefresh, async () => {
      try {
        const r = await refreshModel(det, engine.rareService.tables(), cfg.modelRefreshMinWindows);
        if (r.refreshed) log.info({ job: 'modelRefresh', model: det.current.path, previous: `${det.current.path}.prev`, ...r }, 'model refreshed');
        else if (r.changedOnDisk === true) log.warn({ job: 'modelRefresh', ...r }, 'model refresh skipped: the model file was changed');
        else log.info({ job: 'modelRefresh', ...r }, 'model refresh skipped');
      } catch (e) {
        log.error({ job: 'modelRefresh', err: (e as Error).message }, 'model refresh failed; the current model is kept');
      }
    }, { noOverlap: true, name: 'modelRefresh' }));
  }

  const lag = monitorEventLoopDelay({ resolution: 20 });
  lag.enable();
  let lastStats = Date.now();
  let lastPackets = 0;
  let reportedWriteErrors = 0;
  let reportedLogErrors = 0;
  let backoff = 1000;
  let exitCode = 0;
  log.info({ interface: device, filter: cfg.filter, db: cfg.db, alertLog: cfg.alertLog, model: cfg.model, threshold: anomaly?.current.threshold }, 'started');

  try {
  while (!stopping) {
    try {
      assertInterfaceExists(device);
      const reload = reloading.pending;
      live = await LiveCapture.start({ device, filter: reload !== null ? reload.filter : cfg.filter, bufferMiB: cfg.bufferMb, ringMiB: cfg.ringMb, snaplen: cfg.snaplen });
      if (reload !== null) {
        reloading.pending = null;
        reload.apply();
      }
    } catch (e) {
      if (isNetwatchError(e) && e.code === 'NW_ERR_BAD_FILTER' && reloading.pending !== null) {
        // A reload brought a filter libpcap refuses: the whole file is refused, as any bad file is.
        log.error({ err: e.message, filter: cfg.filter }, 'config reload refused: bad filter; the running config is kept, capturing with the previous filter');
        refusedFilter = reloading.pending.filter;
        reloading.pending = null;
        continue;
      }
      if (isNetwatchError(e) && (e.code === 'NW_ERR_BAD_FILTER' || e.code === 'NW_ERR_PERMISSION')) {
        log.fatal({ err: e.message }, 'cannot capture');
        // Also the one line on stderr every other error at start gives (the log may be a JSON stream on stdout).
        process.stderr.write(`netwatch: ${e.message}\n`);
        // A filter in the config is a config error (exit 2: systemd does not restart into it again).
        exitCode = e.exitCode;
        break;
      }
      log.error({ err: (e as Error).message, retryInMs: backoff }, 'capture could not start; retrying');
      for (let waited = 0; waited < backoff && !stopping; waited += 200) await sleep(200);
      backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
      continue;
    }
    restart = false;
    const current = live;
    engine.hub.lossProvider = () => {
      const c = current.reader.counters();
      return { ringDrops: c.drops, kernelDrops: c.kernel?.dropped ?? 0, received: c.seen };
    };
    minutes.dropsProvider = () => {
      const c = current.reader.counters();
      return { ring: c.drops, kernel: c.kernel?.dropped ?? 0 };
    };
    // libpcap does not always report a deleted interface: the kernel's index is checked every second too.
    const ifindex = interfaceIndex(device);
    log.info({ interface: device, filter: cfg.filter }, 'capturing');
    backoff = 1000;
    const why = await runLive(pipeline, current, {
      count: 0,
      durationSec: 0,
      shouldStop: () => stopping || restart,
      // A stop leaves time for the final flush within systemd's TimeoutStopSec (90 s).
      stopBudgetMs: STOP_DRAIN_BUDGET_MS,
      onAbandoned: (frames) => {
        abandonedFrames += frames;
        log.warn({ frames, budgetMs: STOP_DRAIN_BUDGET_MS }, 'stopping: frames still queued were not analysed (counted as ring drops)');
      },
      onTick: () => {
        if (current.lost === null && device !== 'any' && interfaceIndex(device) !== ifindex) current.lost = 'the interface disappeared';
        // Rows the database refused (locked, full) are written once it takes them again.
        store.retry();
        if (store.writeErrors > reportedWriteErrors) {
          // Said once per new batch of failures; detection and the alert log go on regardless.
          log.error({ err: store.lastWriteError, failedWrites: store.writeErrors, queued: store.queued, alertsDropped: store.alertsDropped, db: cfg.db },
            'database writes failing; rows are kept and retried every second, and alerts still reach the alert log');
          reportedWriteErrors = store.writeErrors;
        }
        if (alertLog !== null && alertLog.writeErrors > reportedLogErrors) {
          log.error({ err: alertLog.lastWriteError, failedWrites: alertLog.writeErrors, held: alertLog.held, dropped: alertLog.dropped, alertLog: cfg.alertLog },
            'alert log writes failing; alerts are held in memory (16 MiB) and written when there is room, and still reach the database');
          reportedLogErrors = alertLog.writeErrors;
        }
        const now = Date.now();
        if (now - lastStats < cfg.statsIntervalSec * 1000) return;
        const c = current.reader.counters();
        const packets = pipeline.summary.packets;
        store.progress({ ...pipeline.totals(c.drops, c.kernel?.dropped ?? 0), alerts: engine.hub.alertsRaised });
        log.info({
          packets, pps: Math.round(((packets - lastPackets) * 1000) / (now - lastStats)), ringDrops: c.drops,
          kernelDrops: c.kernel?.dropped ?? null, ringUsedPct: Math.round((1000 * current.reader.occupancy()) / current.reader.capacity) / 10,
          eventLoopLagMsP99: Math.round(lag.percentile(99) / 1e4) / 100, dbLatencyMs: Math.round(store.latencyMs() * 100) / 100,
          alerts: engine.hub.alertsRaised, flows: engine.flows.count,
        }, 'stats');
        lag.reset();
        lastStats = now;
        lastPackets = packets;
      },
    });
    if (why === 'lost') {
      log.warn({ interface: device, err: current.lost }, 'capture lost the interface; retrying until it returns');
      for (let waited = 0; waited < backoff && !stopping; waited += 200) await sleep(200);
      backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
    }
  }
  } catch (e) {
    // Whatever failed, the capture thread is stopped and the run recorded as failed: a process left alive
    // without capturing (and deaf to SIGTERM) is worse than an exit that systemd restarts.
    log.fatal({ err: (e as Error).stack ?? String(e) }, 'daemon failed');
    exitCode = 1;
    await live?.stop().catch(() => undefined);
  }

  for (const j of jobs) void j.stop();
  if (reputationTimer !== null) clearInterval(reputationTimer);
  repDb?.close();
  lag.disable();
  try {
    pipeline.finish();
  } catch (e) {
    // The run is still recorded and the alert log closed.
    log.fatal({ err: (e as Error).stack ?? String(e) }, 'finishing the analysis failed');
    exitCode = 1;
  }
  const c = live?.reader.counters();
  if (exitCode === 0 && !stopping) exitCode = 1;
  store.finish(engine.hub.allIncidents(), { ...pipeline.totals((c?.drops ?? 0) + abandonedFrames, c?.kernel?.dropped ?? 0), alerts: engine.hub.alertsRaised },
    exitCode === 0 ? 'completed' : 'failed');
  alertLog?.close();
  log.info({ packets: pipeline.summary.packets, alerts: engine.hub.alertsRaised, storeWriteErrors: store.writeErrors,
    storeAlertsDropped: store.alertsDropped, storeFlowsDropped: store.flowsDropped, storeUnwritten: store.queued,
    alertLogWriteErrors: alertLog?.writeErrors ?? 0, alertLogDropped: alertLog?.dropped ?? 0, alertLogUnwrittenAtStop: alertLog?.lostAtClose ?? false }, 'stopped');
  return exitCode;
}

