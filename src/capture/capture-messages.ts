// Messages between the analysis thread and the capture worker, and the worker's start parameters.

import type { FrameRingBuffers } from './frame-ring.js';

export interface CaptureWorkerData {
  device: string;
  filter: string;
  /** libpcap's kernel buffer (pcap_set_buffer_size), bytes. */
  bufferBytes: number;
  /** Bytes kept of each packet (libpcap snapshot length). */
  snaplen: number;
  ring: FrameRingBuffers;
}

export type WorkerToMain =
  | { type: 'ready'; linkType: number; linkName: string }
  | { type: 'error'; code: 'NW_ERR_PERMISSION' | 'NW_ERR_BAD_FILTER' | 'NW_ERR_UNKNOWN_INTERFACE' | 'NW_ERR_CAPTURE' | 'NW_ERR_NATIVE_MODULE'; message: string }
  | { type: 'stopped' }
  /** libpcap stopped delivering: the interface went away or down. */
  | { type: 'lost'; message: string };

export type MainToWorker = { type: 'stop' };
