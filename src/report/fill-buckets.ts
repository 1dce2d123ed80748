// The empty time buckets of a chart's series filled in as zeros: the statistics hold rows only for minutes
// with traffic, and a line drawn from one bucket with traffic to the next over years of nothing showed
// steady traffic across the gap. Callers choose the bucket width from the span (a bounded number of
// buckets), so the filled series is bounded too.

import type { TimelinePoint } from '../track/traffic-profile.js';

/**
 * Points sorted by bucket start `t`, each gap between two of them filled with `zero(t)` at every bucket
 * start in between; nothing is added before the first point or after the last.
 */
export function fillBuckets<T extends { t: number }>(points: readonly T[], bucketSec: number, zero: (t: number) => T): T[] {
  const out: T[] = [];
  for (let i = 0; i < points.length; i++) {
    if (i > 0) for (let t = points[i - 1].t + bucketSec; t < points[i].t; t += bucketSec) out.push(zero(t));
    out.push(points[i]);
  }
  return out;
}

/** A traffic bucket with nothing in it. */
export function noTraffic(t: number): TimelinePoint {
  return { t, packets: 0, bytes: 0, tcp: 0, udp: 0, icmp: 0, arp: 0, other: 0 };
}
