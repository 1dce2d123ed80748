// A small isolation-forest model for tests: trained on the benign web capture of the corpus (30 s windows,
// 5 packets, seed 1), saved in dir and loaded back as the CLI would load it.

import { join } from 'node:path';
import { loadModel, saveModel, type AnomalyModel } from '../../src/detect/anomaly-model.js';
import { trainModel } from '../../src/detect/model-training.js';
import { extract } from '../../eval/model-eval.js';
import { CORPUS } from './corpus.js';

export async function webModel(dir: string): Promise<AnomalyModel> {
  const benign = join(CORPUS, 'benign/pcapplusplus_example_web.pcap');
  const e = await extract(benign, { windowSec: 30, minPackets: 5 });
  const file = trainModel({
    rows: e.rows, hosts: e.hosts, starts: e.starts, files: [benign], packets: e.packets, durationSec: e.durationSec,
    windowsTotal: e.rows.length, windowsTooSmall: 0, windowsAlerted: 0, rarity: e.rarity,
  }, { modelType: 'isolation-forest', windowSec: 30, minPackets: 5, seed: 1, alertsPerDay: 12, phases: 1 });
  saveModel(file, join(dir, 'model.json'));
  return loadModel(join(dir, 'model.json'));
}
