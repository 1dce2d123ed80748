// Worker thread of the dashboard: computes every host's threat score (computeHostScores) on its own
// read-only connection, so a computation over a million alerts (seconds) never stalls the HTTP server.

import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../store/netwatch-db.js';
import { computeHostScores } from '../store/host-scores.js';
import type { DetectionConfig } from '../config/detection-defaults.js';

const { path, weights } = workerData as { path: string; weights: DetectionConfig['threatScore'] };
const db = openDatabase(path, true);
parentPort?.on('message', () => {
  const t0 = performance.now();
  try {
    const r = computeHostScores(db, weights);
    parentPort?.postMessage({ ok: true, at: r.at, hosts: r.hosts, ms: performance.now() - t0 });
  } catch (e) {
    parentPort?.postMessage({ ok: false, error: (e as Error).message });
  }
});
