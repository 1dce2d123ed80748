// Starts and stops the capture worker and exposes its ring to the analysis thread.

import { Worker } from 'node:worker_threads';
import { NetwatchError } from '../errors.js';
import type { CaptureWorkerData, MainToWorker, WorkerToMain } from './capture-messages.js';
import { createFrameRing, FrameRingReader, ringBytesForMiB } from './frame-ring.js';

export interface LiveCaptureOptions {
  device: string;
  filter: string;
  /** libpcap kernel buffer, MiB. */
  bufferMiB: number;
  /** Shared frame ring between the threads, MiB (rounded up to a power of two). */
  ringMiB: number;
  /** Bytes kept of each packet. */
  snaplen: number;
}

function permissionHelp(device: string, detail: string): string {
  // setcap on the system's node would let every Node.js program on the machine capture: a copy for netwatch only.
  return `capturing on ${device} needs the CAP_NET_RAW privilege (${detail}): run it with sudo, ` +
    'or grant the capability to a copy of node kept for netwatch (not the system\'s node, which every Node.js program uses): ' +
    'sudo install -D -m 0750 -g "$(id -gn)" "$(readlink -f "$(command -v node)")" /usr/local/lib/netwatch/node && ' +
    'sudo setcap cap_net_raw=eip /usr/local/lib/netwatch/node, then run /usr/local/lib/netwatch/node "$(command -v netwatch)" capture ...';
}

export class LiveCapture {
  readonly reader: FrameRingReader;
  readonly linkType: number;
  readonly linkName: string;
  private readonly worker: Worker;
  private stopped: Promise<void> | null = null;
  /** Why libpcap stopped delivering (interface gone or down), or null while capturing. */
  lost: string | null = null;

  private constructor(worker: Worker, reader: FrameRingReader, linkType: number, linkName: string) {
    this.worker = worker;
    this.reader = reader;
    this.linkType = linkType;
    this.linkName = linkName;
    reader.linkType = linkType;
    worker.on('message', (m: WorkerToMain) => { if (m.type === 'lost') this.lost = m.message; });
  }

  static start(opts: LiveCaptureOptions): Promise<LiveCapture> {
    const ring = createFrameRing(ringBytesForMiB(opts.ringMiB));
    const data: CaptureWorkerData = {
      device: opts.device,
      filter: opts.filter,
      bufferBytes: Math.round(opts.bufferMiB * 1024 * 1024),
      snaplen: opts.snaplen,
      ring,
    };
    const worker = new Worker(new URL('./capture-worker.js', import.meta.url), { workerData: data });
    return new Promise((resolve, reject) => {
      const onMessage = (m: WorkerToMain): void => {
        if (m.type === 'ready') {
          worker.off('message', onMessage);
          worker.off('error', onError);
          if (m.linkType < 0) {
            // The worker closes its pcap handle first: terminating it with the handle open aborts the process.
            const failed = new NetwatchError('NW_ERR_CAPTURE', `${opts.device}: unsupported link type "${m.linkName}"`);
            void stopWorker(worker).then(() => reject(failed));
            return;
          }
          resolve(new LiveCapture(worker, new FrameRingReader(ring), m.linkType, m.linkName));
        } else if (m.type === 'error') {
          worker.off('message', onMessage);
          const message = m.code === 'NW_ERR_PERMISSION' ? permissionHelp(opts.device, m.message)
            : m.code === 'NW_ERR_BAD_FILTER' ? `bad capture filter "${opts.filter}": ${m.message}`
            : m.code === 'NW_ERR_UNKNOWN_INTERFACE' ? `unknown interface "${opts.device}": ${m.message}`
            : `${opts.device}: ${m.message}`;
          reject(new NetwatchError(m.code, message));
        }
      };
      const onError = (e: Error): void => reject(new NetwatchError('NW_ERR_CAPTURE', `capture worker failed: ${e.message}`));
      worker.on('message', onMessage);
      worker.once('error', onError);
    });
  }

  /** Stops the capture and waits for the worker to close its handle; frames already in the ring stay readable. */
  stop(): Promise<void> {
    if (this.stopped) return this.stopped;
    this.stopped = stopWorker(this.worker);
    return this.stopped;
  }
}

/** Asks the capture worker to close its handle and waits for it to exit. */
function stopWorker(worker: Worker): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => resolve();
    worker.once('exit', done);
    worker.postMessage({ type: 'stop' } satisfies MainToWorker);
    // A worker stuck in native code must not hold the process: give it two seconds.
    setTimeout(() => { void worker.terminate().then(done); }, 2000).unref();
  });
}
