// The dashboard's threat scores: computed in a worker thread (host-score-worker.ts), kept for a while and
// refreshed in the background. A page asking while a refresh runs gets the previous result (stale while
// revalidating); only the very first request waits for a computation.

import { Worker } from 'node:worker_threads';
import type { DetectionConfig } from '../config/detection-defaults.js';
import type { HostScore } from '../store/host-scores.js';

export interface ScoreSnapshot {
  /** Newest alert considered (the scores' reference time). */
  at: number;
  hosts: HostScore[];
  byHost: Map<string, number>;
  /** Wall-clock ms when computed, and how long it took. */
  madeAt: number;
  ms: number;
}

export class HostScoreCache {
  private readonly worker: Worker;
  private readonly maxAgeMs: number;
  private snapshot: ScoreSnapshot | null = null;
  private running: Promise<ScoreSnapshot> | null = null;
  private closed = false;
  /** Set once the worker fails or exits: every later computation fails with it. */
  private failed: Error | null = null;

  constructor(dbPath: string, weights: DetectionConfig['threatScore'], maxAgeMs = 30_000) {
    this.maxAgeMs = maxAgeMs;
    this.worker = new Worker(new URL('./host-score-worker.js', import.meta.url), { workerData: { path: dbPath, weights } });
    this.worker.unref();
    // A worker that fails (the database vanished) fails the computation waiting on it and every later one.
    this.worker.on('error', (e) => { this.failed = e; });
    this.worker.on('exit', () => { this.failed ??= new Error('threat score worker stopped'); });
  }

  /** The current scores: fresh ones, or the last ones while a refresh runs, or (first time) the computation's. */
  async get(): Promise<ScoreSnapshot> {
    const s = this.snapshot;
    if (s !== null && Date.now() - s.madeAt < this.maxAgeMs) return s;
    const next = this.refresh();
    return s ?? next;
  }

  private refresh(): Promise<ScoreSnapshot> {
    if (this.running !== null) return this.running;
    if (this.failed !== null) return Promise.reject(this.failed);
    this.running = new Promise<ScoreSnapshot>((resolve, reject) => {
      const onMessage = (m: { ok: boolean; at: number; hosts: HostScore[]; ms: number; error?: string }): void => {
        this.worker.off('error', onError);
        this.worker.off('exit', onError);
        this.running = null;
        if (!m.ok) { reject(new Error(`threat scores: ${m.error}`)); return; }
        this.snapshot = { at: m.at, hosts: m.hosts, byHost: new Map(m.hosts.map((h, i) => [h.host, i])), madeAt: Date.now(), ms: m.ms };
        resolve(this.snapshot);
      };
      const onError = (e: Error | number): void => {
        this.worker.off('message', onMessage);
        this.worker.off('error', onError);
        this.worker.off('exit', onError);
        this.running = null;
        reject(typeof e === 'number' ? new Error(`threat score worker exited (${e})`) : e);
      };
      this.worker.once('message', onMessage);
      this.worker.once('error', onError);
      this.worker.once('exit', onError);
      this.worker.postMessage('compute');
    });
    // A background refresh that fails leaves the old snapshot in place; the next request tries again.
    this.running.catch(() => undefined);
    return this.running;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.worker.terminate();
  }
}
