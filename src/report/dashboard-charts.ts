// ECharts options the dashboard needs beyond the report's (chart-options.ts): alert counts per time bucket
// by severity (a million alerts cannot be drawn one point each) and one host's traffic. Plain JSON.

import { SEVERITY_NAMES } from '../alert/signatures.js';
import { bucketSeries, type ChartOption } from './chart-options.js';
import { per } from './bucket-text.js';

const SEVERITY_COLORS = ['#c9473f', '#e8833a', '#d9b92f'];

export interface SeverityBucket {
  /** Bucket start, epoch seconds. */
  t: number;
  /** Alerts of severity 1, 2, 3. */
  counts: [number, number, number];
}

function base(title: string): ChartOption {
  return {
    animation: false,
    color: ['#3b6fd8', '#e8833a', '#3aa76d', '#c9473f', '#8a63c9', '#7a7a7a'],
    title: { text: title, left: 'center', textStyle: { fontSize: 14 } },
    tooltip: { trigger: 'axis', renderMode: 'richText' },
    grid: { left: 60, right: 40, top: 50, bottom: 60 },
  };
}

/** Alerts per bucket, stacked by severity. */
export function alertCountsChart(buckets: readonly SeverityBucket[], bucketSec: number): ChartOption {
  return {
    ...base(`Alerts per ${per(bucketSec)}`),
    legend: { bottom: 0, data: SEVERITY_NAMES },
    xAxis: { type: 'time' },
    yAxis: { type: 'value', name: 'alerts', minInterval: 1 },
    series: SEVERITY_NAMES.map((name, i) => ({
      name, type: 'bar', stack: 'alerts', barMaxWidth: 24, itemStyle: { color: SEVERITY_COLORS[i] },
      data: buckets.filter((b) => b.counts[i] > 0).map((b) => [(b.t + bucketSec / 2) * 1000, b.counts[i]]),
    })),
  };
}

export interface HostTrafficPoint {
  t: number;
  sent: number;
  received: number;
}

/** Bytes a host sent and received per bucket (from the per-minute top lists: minutes it was not in them count 0). */
export function hostTrafficChart(points: readonly HostTrafficPoint[], bucketSec: number): ChartOption {
  return {
    ...base(`Bytes per ${per(bucketSec)} (when among the top talkers)`),
    legend: { bottom: 0, data: ['sent', 'received'] },
    xAxis: { type: 'time' },
    yAxis: { type: 'value', name: 'bytes' },
    series: [
      bucketSeries('sent', points.map((p) => [p.t, p.sent]), bucketSec),
      bucketSeries('received', points.map((p) => [p.t, p.received]), bucketSec),
    ],
  };
}

/**
 * A bucket width near span/target, rounded to a width people read easily; never more than target buckets
 * in the span (a series filled with its empty buckets stays that size), whole years beyond the steps.
 */
export function niceBucket(spanSec: number, target: number): number {
  const steps = [60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 7 * 86400, 30 * 86400, 365 * 86400];
  for (const s of steps) if (spanSec / s <= target) return s;
  const year = steps[steps.length - 1];
  return Math.ceil(spanSec / target / year) * year;
}
