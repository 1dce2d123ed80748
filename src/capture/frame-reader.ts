// What every capture-file reader offers the pipeline: frames one at a time, and where the file ended early.

import type { RawFrame } from './raw-frame.js';

export interface FrameReader {
  readonly path: string;
  readonly format: 'pcap' | 'pcapng';
  /** Fills frame with the next packet; its bytes stay valid until the next call. False at the end. */
  next(frame: RawFrame): boolean;
  /** File offset where an incomplete last record starts, or -1 when the file ended cleanly. */
  readonly cutAt: number;
  /**
   * Why reading stopped before the file's end, or null: a corrupt record or block (what, and its byte
   * offset). The packets before it were delivered; the rest of the file is not read (libpcap stops there too).
   */
  readonly damage: string | null;
  /** Timestamps whose fraction was out of range (carried into the seconds), counted. */
  readonly badTimestamps: number;
  /** Packets whose time fell outside 1970-01-01..9999-12-31 (a corrupt or crafted pcapng), given the time of the packet before. */
  readonly timesOutOfRange: number;
  readonly bytesRead: number;
  /** Bytes in the file; 0 when not known (a pipe). */
  readonly size: number;
  /** A pipe or FIFO, read once, in order. */
  readonly streaming: boolean;
  /**
   * How long next() may wait for a quiet pipe (Infinity by default: until data or its end). After that it
   * returns false with `waiting` set: not the end of the file; call next() again.
   */
  maxWaitMs: number;
  readonly waiting: boolean;
  close(): void;
}

/** Largest record accepted: libpcap's MAXIMUM_SNAPLEN. Larger claims mean a corrupt header. */
export const MAX_RECORD_CAPLEN = 262144;

/** The last second a packet may carry: 9999-12-31T23:59:59Z, the end of what dates print as (and Date holds). */
export const MAX_PACKET_SEC = 253402300799;
