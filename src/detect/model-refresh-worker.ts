// Fits a refreshed model off the capture thread: the daemon hands over the training set and options,
// and gets the model file back (an autoencoder over 50,000 windows takes seconds of CPU).

import { parentPort, workerData } from 'node:worker_threads';
import { trainModel, type TrainOptions, type TrainingSet } from './model-training.js';

const { set, options } = workerData as { set: TrainingSet; options: TrainOptions };
try {
  parentPort!.postMessage({ ok: true, model: trainModel(set, options) });
} catch (e) {
  parentPort!.postMessage({ ok: false, error: (e as Error).message });
}
