// Training and scoring compute a host window's features with the same code: the rows `train` learns from
// (TrainingCollector) and the rows `detect` and the daemon score (AnomalyDetector) must be equal, bit for
// bit, on the same traffic, the connection features (counted when a connection closes) included.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DETECTION_DEFAULTS } from '../../src/config/detection-defaults.js';
import { AnomalyDetector } from '../../src/detect/anomaly-detector.js';
import { DetectionEngine } from '../../src/detect/detection-engine.js';
import { FEATURE_INDEX as F } from '../../src/detect/feature-set.js';
import { TrainingCollector } from '../../src/detect/training-collector.js';
import { Pipeline, runFiles } from '../../src/pipeline.js';
import { wordsToString } from '../../src/track/address-key.js';
import { CORPUS } from '../support/corpus.js';
import { webModel } from '../support/web-model.js';

test('train and detect read the same rows from the same traffic (SSH and FTP guessing, a SYN reflection, web browsing)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nw-parity-'));
  try {
    const model = await webModel(dir);
    const totals = { closed_conns: 0, repeat_conns: 0, unanswered_syns_in: 0, unsolicited_synacks_in: 0 };
    for (const cap of ['attack/bruteforce/zeek_ssh_sshguess.pcap', 'attack/bruteforce/zeek_ftp_bruteforce.pcap',
      'attack/dos/stopddos_amp.TCP.syn.optionallyACK.optionallysamePort.pcapng', 'benign/pcapplusplus_example_web.pcap']) {
      const engine = new DetectionEngine(DETECTION_DEFAULTS);
      const scoring = new AnomalyDetector(model, DETECTION_DEFAULTS.anomaly, engine.hub, false);
      const scored: { host: string; start: number; row: Float64Array }[] = [];
      const judge = scoring.table.onWindow!;
      scoring.table.onWindow = (key, off, start, row, slot) => {
        scored.push({ host: wordsToString(key, off), start, row: Float64Array.from(row) });
        judge(key, off, start, row, slot);
      };
      // minPackets 0: every row the scoring table closes is kept, so the two lists line up one to one.
      const training = new TrainingCollector(30, 0, DETECTION_DEFAULTS.anomaly.hostCapacity, engine.hub, 1);
      engine.addDetector(scoring);
      engine.addDetector(training);
      const p = new Pipeline([], engine);
      await runFiles(p, [join(CORPUS, cap)]);
      p.finish();
      assert.ok(scored.length > 0, cap);
      assert.equal(training.rows.length, scored.length, cap);
      scored.forEach((w, i) => {
        assert.equal(training.hosts[i], w.host, `${cap} window ${i}`);
        assert.equal(training.starts[i], w.start, `${cap} window ${i}`);
        assert.deepEqual(Array.from(training.rows[i]), Array.from(w.row), `${cap} ${w.host} at ${w.start}`);
        for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += w.row[F[k]];
      });
    }
    // The comparison covered the features that are counted apart from update(): each was non-zero somewhere.
    for (const [k, v] of Object.entries(totals)) assert.ok(v > 0, `${k} is 0 in every window compared`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
