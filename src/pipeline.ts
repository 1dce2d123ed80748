// The one place that wires a source (capture files or the live ring) through decode and tracking to the sinks.

import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import { openCaptureFile } from './capture/capture-file.js';
import type { FrameReader } from './capture/frame-reader.js';
import type { LiveCapture } from './capture/live-capture.js';
import { RawFrame } from './capture/raw-frame.js';
import { PacketDecoder } from './decode/packet-decoder.js';
import { PacketRecord } from './decode/packet-record.js';
import type { PacketSink } from './output/packet-sink.js';
import { TrafficSummary } from './track/traffic-summary.js';
import type { DetectionEngine } from './detect/detection-engine.js';
import { NetwatchError } from './errors.js';
import { REORDER_SEC } from './track/packet-clock.js';
import type { MinuteStats } from './track/minute-stats.js';
import type { TrafficProfile } from './track/traffic-profile.js';
import type { RunTotals } from './store/netwatch-db.js';

/** Frames handled between yields to the event loop (signals, progress, worker messages). */
const BATCH = 16384;
/** How long a read of a quiet pipe or FIFO waits before the run checks for Ctrl-C and waits again. */
const QUIET_PIPE_WAIT_MS = 100;

export class Pipeline {
  readonly decoder = new PacketDecoder();
  readonly record = new PacketRecord();
  readonly summary = new TrafficSummary();
  /** Flows, host windows and detectors; null when detection is off (decode and summary only). */
  readonly engine: DetectionEngine | null;
  /** Live: when the last packet was processed (performance.now(), ms), NaN before any; kept across captures. */
  lastPacketAt = NaN;
  /** The file being read (for pcap_filename in alerts), or null live. */
  currentFile: string | null = null;
  private readonly sinks: PacketSink[];

  /** Per-minute statistics for the database, when one is written. */
  readonly minutes: MinuteStats | null;

  /** The traffic's shape for a report of the files (netwatch report FILE). */
  profile: TrafficProfile | null = null;

  constructor(sinks: PacketSink[], engine: DetectionEngine | null = null, minutes: MinuteStats | null = null) {
    this.sinks = sinks;
    this.engine = engine;
    this.minutes = minutes;
  }

  process(frame: RawFrame): void {
    const rec = this.record;
    this.decoder.decode(frame, rec);
    this.summary.add(rec);
    if (this.engine !== null) this.engine.process(rec, this.currentFile);
    const newFlow = this.engine !== null && this.engine.flows.lastIsNew;
    if (this.minutes !== null) this.minutes.add(rec, newFlow);
    if (this.profile !== null) this.profile.add(rec, newFlow);
    const sinks = this.sinks;
    for (let i = 0; i < sinks.length; i++) sinks[i].packet(rec);
  }

  /** The next packet is the first of its file more than REORDER_SEC behind the files read before it: windows restart. */
  sourceWentBack(): void {
    this.engine?.flows.clock.sourceWentBack();
  }

  /** The next packet is the first of the file at path (whose time may be older than the last file's). */
  startFile(path: string): void {
    this.currentFile = path;
    this.engine?.flows.newSource();
    this.minutes?.newSource();
  }

  flush(): void { for (const s of this.sinks) s.flush(); }
  /**
   * Live, no packet for a while: packet time is now tsSec. Statistics of a minute that ended are written,
   * raises the once-a-second gate held back are made, and idle flows close.
   */
  idle(tsSec: number): void {
    this.minutes?.advance(tsSec);
    this.engine?.idle(tsSec);
  }
  /** End of input: open flows are closed (reason shutdown), then every output is made final. */
  finish(): void {
    this.engine?.finish();
    this.minutes?.finish();
    for (const s of this.sinks) s.finish();
  }
  /** What the run has processed, for its database row (drops come from a live capture's counters). */
  totals(ringDrops = 0, kernelDrops = 0): Omit<RunTotals, 'alerts'> {
    return { packets: this.summary.packets, bytes: this.summary.bytes, ringDrops, kernelDrops };
  }

  /** The run failed: exports are dropped; the statistics of the packets processed are still recorded. */
  abort(): void {
    try {
      this.minutes?.finish();
    } finally {
      for (const s of this.sinks) s.abort();
    }
  }
}

export interface FileResult {
  path: string;
  format: 'pcap' | 'pcapng';
  packets: number;
  bytes: number;
  /** Offset of an incomplete last record, or -1. */
  cutAt: number;
  /** A corrupt record or block where reading stopped (what and its byte offset), or null. */
  damage: string | null;
  /** Bytes of the file not read after the damage (0 when not known: a pipe). */
  bytesSkipped: number;
  badTimestamps: number;
  timesOutOfRange: number;
  /** Times packet time went back by more than a second (a file of merged or repeated captures). */
  timeStepsBack: number;
  /** The largest such step, in seconds, and the 1-based packet number it came at (0: none). */
  largestStepBackSec: number;
  largestStepBackAt: number;
  /**
   * The file's first packet more than REORDER_SEC older than the latest packet of the files read before it
   * (files given out of time order, or the same file twice): how far behind (seconds, to a tenth) and its
   * number in the file; 0 and 0 when there is none. The detectors' windows restart there (sourceWentBack).
   */
  behindEarlierSec: number;
  behindEarlierAt: number;
}

/** Packet time may wobble by this much between neighbours (multi-queue capture) without a warning. */
const STEP_BACK_TOLERANCE_SEC = 1;

export interface FileProgress {
  fileIndex: number;
  files: number;
  path: string;
  bytesRead: number;
  size: number;
  packets: number;
}

export interface FileRunOptions {
  onProgress?: (p: FileProgress) => void;
  /** Checked between batches: true ends the run early (Ctrl-C), keeping what was read. */
  shouldStop?: () => boolean;
  /** What checkCaptureFiles kept open (pipes), by position in paths. */
  opened?: OpenedFiles;
}

/**
 * Files already opened by checkCaptureFiles, by position in its list: the pipes and FIFOs, which can be
 * read only once (their header is gone once checked); null for a regular file, opened again when its turn comes.
 */
export type OpenedFiles = readonly (FrameReader | null)[];

/**
 * Opens every file and checks its header: commands call this before they start, so a wrong last name
 * stops the run before the first file's alerts reach the database or an export is begun. Regular files are
 * closed again (a thousand files are not held open); pipes stay open for runFiles.
 */
export function checkCaptureFiles(paths: readonly string[]): OpenedFiles {
  const opened: (FrameReader | null)[] = [];
  try {
    for (const p of paths) {
      // Before opening it again: the first open may already hold all the pipe had.
      if (opened.some((o) => o !== null && o.path === p)) throw new NetwatchError('NW_ERR_USAGE', `${p}: named twice, but a pipe can be read only once`);
      const r = openCaptureFile(p);
      if (!r.streaming) r.close();
      opened.push(r.streaming ? r : null);
    }
  } catch (e) {
    for (const o of opened) o?.close();
    throw e;
  }
  return opened;
}

/**
 * Reads each file to its end through the pipeline. A corrupt record ends that file's reading (its damage
 * is in the result; the next file is read); a file that cannot be read throws NetwatchError.
 */
export async function runFiles(pipeline: Pipeline, paths: string[], opts: FileRunOptions = {}): Promise<FileResult[]> {
  const results: FileResult[] = [];
  const frame = new RawFrame();
  /** The latest packet time of the files read so far. */
  let latestSec = -Infinity;
  for (let fi = 0; fi < paths.length; fi++) {
    const reader: FrameReader = opts.opened?.[fi] ?? openCaptureFile(paths[fi]);
    pipeline.startFile(paths[fi]);
    const before = pipeline.summary.packets;
    const bytesBefore = pipeline.summary.bytes;
    let prevSec = -Infinity;
    let stepsBack = 0;
    let largestBack = 0;
    let largestBackAt = 0;
    let fileLatest = -Infinity;
    let behindSec = 0;
    let behindAt = 0;
    let index = 0;
    // A quiet pipe hands control back now and then, so Ctrl-C is acted on while it waits.
    if (reader.streaming) reader.maxWaitMs = QUIET_PIPE_WAIT_MS;
    try {
      for (;;) {
        let n = 0;
        while (n < BATCH && reader.next(frame)) {
          index++;
          const sec = frame.tsSec;
          if (sec < prevSec - STEP_BACK_TOLERANCE_SEC) {
            stepsBack++;
            if (prevSec - sec > largestBack) { largestBack = prevSec - sec; largestBackAt = index; }
          }
          // The file goes back before the files read before it: warned about, and the windows restart here.
          const ft = sec + frame.tsNsec / 1e9;
          if (behindAt === 0 && ft < latestSec - REORDER_SEC) {
            behindSec = Math.round((latestSec - ft) * 10) / 10;
            behindAt = index;
            pipeline.sourceWentBack();
          }
          if (ft > fileLatest) fileLatest = ft;
          prevSec = sec;
          pipeline.process(frame);
          n++;
        }
        if (n < BATCH && !reader.waiting) break;
        opts.onProgress?.({
          fileIndex: fi, files: paths.length, path: reader.path, bytesRead: reader.bytesRead, size: reader.size,
          packets: pipeline.summary.packets,
        });
        await yieldToLoop();
        if (opts.shouldStop?.()) break;
      }
    } finally {
      reader.close();
    }
    results.push({
      path: reader.path,
      format: reader.format,
      packets: pipeline.summary.packets - before,
      bytes: pipeline.summary.bytes - bytesBefore,
      cutAt: reader.cutAt,
      damage: reader.damage,
      bytesSkipped: reader.damage !== null && reader.size > 0 ? reader.size - reader.bytesRead : 0,
      badTimestamps: reader.badTimestamps,
      timesOutOfRange: reader.timesOutOfRange,
      timeStepsBack: stepsBack,
      largestStepBackSec: largestBack,
      largestStepBackAt: largestBackAt,
      behindEarlierSec: behindSec,
      behindEarlierAt: behindAt,
    });
    if (fileLatest > latestSec) latestSec = fileLatest;
    if (opts.shouldStop?.()) break;
  }
  return results;
}

export interface LiveRunOptions {
  /** Stop after this many packets (0: no limit). */
  count: number;
  /** Stop after this many seconds of wall-clock time (0: no limit). */
  durationSec: number;
  /** Checked between batches: true ends the capture (Ctrl-C, SIGTERM). */
  shouldStop: () => boolean;
  /** Called about once a second with the ring state. */
  onTick?: () => void;
  /** Called once when the run decides to stop, before the grace period in which the socket is drained. */
  onStopDecided?: () => void;
  /**
   * Wall-clock budget for analysing what the ring still holds once the capture has stopped (default: no
   * limit). Frames left when it runs out are discarded and reported through onAbandoned: under a flood
   * the daemon fell behind by a million frames and took 96 s to stop, past systemd's 90 s.
   */
  stopBudgetMs?: number;
  onAbandoned?: (frames: number) => void;
}

/**
 * After a partial batch, wait this long before draining again so frames accumulate: waking per frame
 * cost ~1.5 µs of analysis-thread time per packet at 190 kpps (measured), batches amortise it.
 */
const DRAIN_PAUSE_MS = 2;

/** After the stop decision, frames already queued in the kernel still arrive for this long. */
const STOP_GRACE_MS = 100;

export type LiveStopReason = 'count' | 'duration' | 'signal' | 'lost';

/** Drains the live ring in batches until a stop condition, then stops the worker and drains what is left. */
export async function runLive(pipeline: Pipeline, live: LiveCapture, opts: LiveRunOptions): Promise<LiveStopReason> {
  const frame = new RawFrame();
  const reader = live.reader;
  const started = performance.now();
  const deadline = opts.durationSec > 0 ? started + opts.durationSec * 1000 : Infinity;
  const limit = opts.count > 0 ? opts.count : Infinity;
  let lastTick = started;
  // Intervals on the monotonic clock: a wall clock stepped back (NTP) stopped the ticks for the length of
  // the step. The last packet's time is the pipeline's, so a capture restarted on the same pipeline (the
  // daemon's filter change, a lost interface) goes on from it rather than from its own start.
  if (Number.isNaN(pipeline.lastPacketAt)) pipeline.lastPacketAt = started;
  let reason: LiveStopReason = 'signal';
  const drain = (): number => {
    let n = 0;
    while (n < BATCH && pipeline.summary.packets < limit && reader.next(frame)) {
      pipeline.process(frame);
      n++;
    }
    reader.release();
    pipeline.flush();
    return n;
  };
  for (;;) {
    const n = drain();
    if (pipeline.summary.packets >= limit) { reason = 'count'; break; }
    const now = performance.now();
    if (n > 0) pipeline.lastPacketAt = now;
    if (now >= deadline) { reason = 'duration'; break; }
    if (opts.shouldStop()) { reason = 'signal'; break; }
    if (live.lost !== null) { reason = 'lost'; break; }
    if (now - lastTick >= 1000) {
      lastTick = now;
      if (pipeline.summary.packets > 0 && now - pipeline.lastPacketAt >= 1000) {
        const last = pipeline.record;
        pipeline.idle(last.tsSec + last.tsNsec / 1e9 + (now - pipeline.lastPacketAt) / 1000);
      }
      opts.onTick?.();
    }
    if (n === 0) await reader.waitForData(Math.min(100, Math.max(1, deadline - now)));
    else if (n < BATCH) await sleep(DRAIN_PAUSE_MS);
    else await yieldToLoop();
  }
  opts.onStopDecided?.();
  // Let libpcap hand over what the kernel already queued, so it is not mistaken for loss.
  const graceEnd = performance.now() + STOP_GRACE_MS;
  while (performance.now() < graceEnd) {
    if (drain() === 0) await reader.waitForData(Math.max(1, graceEnd - performance.now()));
    else await yieldToLoop();
  }
  await live.stop();
  // What the worker stored before it stopped, within the budget.
  const budgetEnd = performance.now() + (opts.stopBudgetMs ?? Infinity);
  while (pipeline.summary.packets < limit && drain() > 0) {
    if (performance.now() >= budgetEnd) {
      let abandoned = 0;
      while (reader.next(frame)) abandoned++;
      reader.release();
      opts.onAbandoned?.(abandoned);
      break;
    }
  }
  return reason;
}
