// The capture worker thread: the only place `cap` is loaded. It copies each frame with its arrival
// time into the shared ring and does nothing else, so analysis can never slow the capture down.

import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { FrameRingWriter } from './frame-ring.js';
import type { CaptureWorkerData, MainToWorker, WorkerToMain } from './capture-messages.js';
import { CAP_LINK_NAMES } from '../decode/link-types.js';

interface CapInstance {
  open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
  close(): void;
  on(event: 'packet', cb: (nbytes: number, truncated: boolean) => void): void;
}

const port = parentPort;
if (port === null) throw new Error('capture-worker must run as a worker thread');
const data = workerData as CaptureWorkerData;
const send = (m: WorkerToMain): void => port.postMessage(m);

function classify(message: string): Extract<WorkerToMain, { type: 'error' }>['code'] {
  if (/permission|not permitted|access denied/i.test(message)) return 'NW_ERR_PERMISSION';
  if (/syntax error|filter|illegal|unknown (host|port|protocol)|expression/i.test(message)) return 'NW_ERR_BAD_FILTER';
  if (/no such device|doesn't exist|not exist/i.test(message)) return 'NW_ERR_UNKNOWN_INTERFACE';
  return 'NW_ERR_CAPTURE';
}

let Cap: new () => CapInstance;
try {
  Cap = (createRequire(import.meta.url)('cap') as { Cap: new () => CapInstance }).Cap;
} catch (e) {
  send({ type: 'error', code: 'NW_ERR_NATIVE_MODULE', message: `cannot load the native module cap: ${(e as Error).message}` });
  process.exit(0);
}

const ring = new FrameRingWriter(data.ring);
// cap keeps only a raw pointer to this buffer: it must stay referenced for as long as the handle is open.
const packetBuffer = Buffer.alloc(65536);
const cap = new Cap();
let linkName: string;
try {
  linkName = cap.open(data.device, data.filter, data.bufferBytes, packetBuffer);
} catch (e) {
  const message = (e as Error).message;
  send({ type: 'error', code: classify(message), message });
  process.exit(0);
}
const unknown = /^Unknown linktype (\d+)$/.exec(linkName);
const linkType = unknown ? Number(unknown[1]) : CAP_LINK_NAMES[linkName] ?? -1;

// Time is taken here, on arrival, because cap passes no pcap timestamp.
const origin = performance.timeOrigin;
cap.on('packet', (nbytes: number) => {
  const ms = origin + performance.now();
  const sec = Math.floor(ms / 1000);
  ring.push(packetBuffer, nbytes, nbytes, sec, Math.floor((ms - sec * 1000) * 1e6));
});

port.on('message', (m: MainToWorker) => {
  if (m.type === 'stop') {
    cap.close();
    send({ type: 'stopped' });
    // Keep the handle and its buffer reachable until libuv has run the close callback.
    setImmediate(() => {
      keepAlive.push(cap, packetBuffer);
      port.close();
    });
  }
});
const keepAlive: unknown[] = [];

send({ type: 'ready', linkType, linkName });
