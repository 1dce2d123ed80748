// The capture worker thread: the only place `cap` is loaded. It copies each frame with its arrival
// time into the shared ring and does nothing else, so analysis can never slow the capture down.

import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import { FrameRingWriter } from './frame-ring.js';
import type { CaptureWorkerData, MainToWorker, WorkerToMain } from './capture-messages.js';
import { CAP_LINK_NAMES } from '../decode/link-types.js';

/** cap 0.2.1 as patched in patches/: open options, timestamps and wire length per packet, pcap_stats. */
interface CapInstance {
  open(device: string, filter: string, bufSize: number, buffer: Buffer,
    options: { immediate: boolean; timeoutMs: number; snaplen: number }): string;
  close(): void;
  stats(): { received: number; dropped: number; ifdropped: number };
  on(event: 'packet', cb: (nbytes: number, truncated: boolean, tsSec: number, tsUsec: number, wireLen: number) => void): void;
  on(event: 'error', cb: (message: string) => void): void;
}

/** TPACKET_V3 block timeout: how long a partly filled block waits before it is handed over. */
const BLOCK_TIMEOUT_MS = 10;
const STATS_INTERVAL_MS = 250;

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
const packetBuffer = Buffer.alloc(Math.max(65536, data.snaplen));
const cap = new Cap();
let linkName: string;
try {
  // Not immediate mode: libpcap then uses TPACKET_V3, packing packets into blocks (a 64 MiB buffer
  // holds ~100k small packets instead of ~1000 snaplen-sized slots) and waking us once per block.
  linkName = cap.open(data.device, data.filter, data.bufferBytes, packetBuffer,
    { immediate: false, timeoutMs: BLOCK_TIMEOUT_MS, snaplen: data.snaplen });
} catch (e) {
  const message = (e as Error).message;
  send({ type: 'error', code: classify(message), message });
  process.exit(0);
}
const unknown = /^Unknown linktype (\d+)$/.exec(linkName);
const linkType = unknown ? Number(unknown[1]) : CAP_LINK_NAMES[linkName] ?? -1;

cap.on('packet', (nbytes: number, _truncated: boolean, tsSec: number, tsUsec: number, wireLen: number) => {
  ring.push(packetBuffer, nbytes, wireLen, tsSec, tsUsec * 1000);
});

// The patched cap stops and says why when the device fails (it used to abort the process).
cap.on('error', (message: string) => {
  clearInterval(statsTimer);
  send({ type: 'lost', message });
});

const publishStats = (): void => {
  try {
    const s = cap.stats();
    ring.publishKernelStats(s.received, s.dropped, s.ifdropped);
  } catch {
    // Some devices have no statistics; the reader then reports kernel loss as not measurable.
  }
};
const statsTimer = setInterval(publishStats, STATS_INTERVAL_MS);

port.on('message', (m: MainToWorker) => {
  if (m.type === 'stop') {
    clearInterval(statsTimer);
    publishStats();
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
