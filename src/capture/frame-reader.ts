// What every capture-file reader offers the pipeline: frames one at a time, and where the file ended early.

import type { RawFrame } from './raw-frame.js';

export interface FrameReader {
  readonly path: string;
  readonly format: 'pcap' | 'pcapng';
  /** Fills frame with the next packet; its bytes stay valid until the next call. False at the end. */
  next(frame: RawFrame): boolean;
  /** File offset where an incomplete last record starts, or -1 when the file ended cleanly. */
  readonly cutAt: number;
  /** Timestamps whose fraction was out of range (carried into the seconds), counted. */
  readonly badTimestamps: number;
  readonly bytesRead: number;
  readonly size: number;
  close(): void;
}

/** Largest record accepted: libpcap's MAXIMUM_SNAPLEN. Larger claims mean a corrupt header. */
export const MAX_RECORD_CAPLEN = 262144;
