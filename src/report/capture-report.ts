// A report of capture files: the same analysis as `netwatch analyze` (detectors, the model when given,
// intel feeds from the config) into a fresh database of its own, read back as ReportData with the
// traffic's shape at a finer grain than the database's minutes.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { loadDetectionConfig } from '../config/detection-config-file.js';
import { anyDamaged } from '../cli/file-warnings.js';
import { Pipeline, runFiles, type FileProgress, type FileResult } from '../pipeline.js';
import { REPUTATION_WAIT_MS, setupDetection } from '../cli/detection-options.js';
import { openDatabase } from '../store/netwatch-db.js';
import { TrafficProfile } from '../track/traffic-profile.js';
import { reportFromDatabase, withProfile, type ReportData } from './report-data.js';

export interface CaptureReportOptions {
  /** Detection config (thresholds, intel feeds, threat-score weights). */
  config?: string;
  model?: string;
  /** Keep the analysis in this database instead of a temporary one. */
  db?: string;
  onProgress?: (p: FileProgress) => void;
  shouldStop?: () => boolean;
  maxRows?: number;
  /** Threat scores decay (default) or weigh every alert in full. */
  decay?: boolean;
}

export interface CaptureReport {
  data: ReportData;
  files: FileResult[];
}

export async function reportFromCapture(paths: string[], o: CaptureReportOptions = {}): Promise<CaptureReport> {
  const tmp = o.db === undefined ? mkdtempSync(join(tmpdir(), 'netwatch-report-')) : null;
  const dbPath = o.db ?? join(tmp as string, 'report.db');
  try {
    const detection = setupDetection({ detect: true, store: true, db: dbPath, 'db-flows': 'off', config: o.config, model: o.model }, null,
      { kind: 'file', source: paths.join(' ') });
    const pipeline = new Pipeline([], detection.engine, detection.minutes);
    const profile = new TrafficProfile();
    pipeline.profile = profile;
    let files: FileResult[];
    try {
      files = await runFiles(pipeline, paths, { onProgress: o.onProgress, shouldStop: o.shouldStop });
    } catch (e) {
      pipeline.abort();
      detection.abort(pipeline.totals());
      throw e;
    }
    pipeline.finish();
    await detection.drainReputation(REPUTATION_WAIT_MS);
    detection.finish(pipeline.totals(), anyDamaged(files));
    const db = openDatabase(dbPath, true);
    try {
      // A kept database may hold other runs, even of the same capture: the report covers this run only (a
      // time span let an earlier run of the same file in, and the totals doubled).
      const run = detection.store?.runId ?? (db.prepare('SELECT max(id) AS id FROM capture_runs').get() as { id: number }).id;
      const title = paths.length === 1 ? basename(paths[0]) : `${paths.length} capture files`;
      const data = reportFromDatabase(db, { title, weights: loadDetectionConfig(o.config).threatScore, maxRows: o.maxRows, runId: run, decay: o.decay });
      return { data: withProfile(data, profile), files };
    } finally {
      db.close();
    }
  } finally {
    if (tmp !== null) rmSync(tmp, { recursive: true, force: true });
  }
}
