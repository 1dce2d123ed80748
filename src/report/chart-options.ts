// ECharts options for every chart netwatch draws: plain JSON (no functions), so the same option renders in
// the browser (HTML report, dashboard) and on the server (SVG, then PNG for --png).

import type { PortCount } from '../track/port-counts.js';
import type { TimelinePoint } from '../track/traffic-profile.js';
import type { Talker } from '../track/top-talkers.js';
import type { ReportAlert, ReportData } from './report-data.js';
import { eveEpoch } from '../store/netwatch-db.js';
import { per } from './bucket-text.js';

export type ChartOption = Record<string, unknown>;

export interface NamedChart {
  /** File name stem for --png and the element id in the page. */
  id: string;
  title: string;
  option: ChartOption;
}

const COLORS = ['#3b6fd8', '#e8833a', '#3aa76d', '#c9473f', '#8a63c9', '#7a7a7a'];
const SEVERITY_COLORS = ['#c9473f', '#e8833a', '#d9b92f'];

function base(title: string): ChartOption {
  return {
    animation: false,
    // Axis times in UTC, like every timestamp in the tables and the alert records.
    useUTC: true,
    color: COLORS,
    title: { text: title, left: 'center', textStyle: { fontSize: 14 } },
    tooltip: { trigger: 'axis', renderMode: 'richText' },
    grid: { left: 70, right: 70, top: 50, bottom: 40, containLabel: false },
  };
}

/**
 * A line of per-bucket values whose times are bucket starts, drawn so that each value covers its own bucket,
 * [start, start + bucket): the step turns at the next point (ECharts' step 'end'; 'start' drew each value
 * over the bucket before it), and a closing point at the end of the last bucket gives that one its width too.
 */
export function bucketSeries(name: string, points: readonly (readonly [number, number])[], bucketSec: number,
  extra: Record<string, unknown> = {}): ChartOption {
  const data = points.map(([t, v]) => [t * 1000, v]);
  if (points.length > 0) {
    const [t, v] = points[points.length - 1];
    data.push([(t + bucketSec) * 1000, v]);
  }
  return { name, type: 'line', step: 'end', showSymbol: points.length < 60, ...extra, data };
}

/** Packets and bytes per bucket over time (two axes). */
export function volumeChart(timeline: readonly TimelinePoint[], bucketSec: number): ChartOption {
  return {
    ...base(`Traffic per ${per(bucketSec)}`),
    legend: { bottom: 0, data: ['packets', 'bytes'] },
    grid: { left: 70, right: 80, top: 50, bottom: 60 },
    xAxis: { type: 'time' },
    yAxis: [
      { type: 'value', name: 'packets', splitLine: { show: true } },
      { type: 'value', name: 'bytes', splitLine: { show: false } },
    ],
    series: [
      bucketSeries('packets', timeline.map((p) => [p.t, p.packets]), bucketSec),
      bucketSeries('bytes', timeline.map((p) => [p.t, p.bytes]), bucketSec, { yAxisIndex: 1 }),
    ],
  };
}

/** Share of packets by transport protocol. */
export function protocolChart(p: ReportData['protocols']): ChartOption {
  const data = [
    { name: 'TCP', value: p.tcp }, { name: 'UDP', value: p.udp }, { name: 'ICMP and ICMPv6', value: p.icmp }, { name: 'ARP', value: p.arp },
    { name: 'other', value: p.other },
  ].filter((d) => d.value > 0);
  return {
    ...base('Packets by protocol'),
    tooltip: { trigger: 'item', renderMode: 'richText' },
    legend: { bottom: 0 },
    series: [{ type: 'pie', radius: ['35%', '65%'], center: ['50%', '52%'], label: { formatter: '{b} {d}%' }, data }],
  };
}

/** A horizontal bar per entry, largest on top. */
export function barChart(title: string, unit: string, entries: readonly { label: string; value: number }[]): ChartOption {
  const rows = [...entries].reverse();
  return {
    ...base(title),
    grid: { left: 10, right: 40, top: 40, bottom: 30, containLabel: true },
    tooltip: { trigger: 'axis', renderMode: 'richText', axisPointer: { type: 'shadow' } },
    xAxis: { type: 'value', name: unit, nameLocation: 'middle', nameGap: 22 },
    yAxis: { type: 'category', data: rows.map((e) => e.label), axisLabel: { width: 220, overflow: 'truncate' } },
    series: [{ type: 'bar', data: rows.map((e) => e.value), label: { show: true, position: 'right' } }],
  };
}

export function talkersChart(title: string, talkers: readonly Talker[]): ChartOption {
  return barChart(title, 'bytes', talkers.map((t) => ({ label: t.address, value: t.bytes })));
}

export function portsChart(title: string, unit: string, ports: readonly PortCount[]): ChartOption {
  return barChart(title, unit, ports.map((s) => ({ label: `${s.proto}/${s.port}`, value: s.count })));
}

/** An incident's span on the timeline, epoch seconds. */
export interface IncidentSpan { detector: string; first: number; last: number }

/**
 * Each alert as a point: time across, detector down, colour and size by severity; each incident as a
 * band from its first to its last trigger behind its alerts.
 */
export function alertTimelineChart(alerts: readonly ReportAlert[], from: number | null = null, to: number | null = null,
  incidents: readonly IncidentSpan[] = []): ChartOption {
  const detectors = [...new Set([...alerts.map((a) => a.detector), ...incidents.map((i) => i.detector)])].sort();
  const series = [1, 2, 3].map((sev) => ({
    name: sev === 1 ? 'high' : sev === 2 ? 'medium' : 'low',
    type: 'scatter',
    symbolSize: 14 - 3 * sev,
    itemStyle: { color: SEVERITY_COLORS[sev - 1] },
    data: alerts.filter((a) => a.severity === sev).map((a) => [a.epoch * 1000, a.detector]),
  }));
  return {
    ...base('Alerts and incidents over time'),
    tooltip: { trigger: 'item', renderMode: 'richText' },
    legend: { bottom: 0, data: ['incidents', 'high', 'medium', 'low'] },
    grid: { left: 10, right: 40, top: 50, bottom: 60, containLabel: true },
    // The report's whole range, so one alert is placed in time rather than centred on an axis of its own.
    xAxis: { type: 'time', ...(from !== null && to !== null && to > from ? { min: from * 1000, max: to * 1000 } : {}) },
    yAxis: { type: 'category', data: detectors },
    series: [
      {
        name: 'incidents', type: 'lines', coordinateSystem: 'cartesian2d', z: 1,
        lineStyle: { width: 10, opacity: 0.25, color: '#7a7a7a', cap: 'round' },
        // A one-trigger incident still gets a visible band: at least 0.5% of the range wide.
        data: incidents.map((i) => {
          const pad = from !== null && to !== null && i.last - i.first < (to - from) / 200 ? (to - from) / 400 : 0;
          return { coords: [[(i.first - pad) * 1000, i.detector], [(i.last + pad) * 1000, i.detector]] };
        }),
      },
      ...series,
    ],
  };
}

/** The charts of a report, in page order. */
export function reportCharts(d: ReportData): NamedChart[] {
  return [
    { id: 'traffic', title: 'Traffic over time', option: volumeChart(d.timeline, d.bucketSec) },
    { id: 'alerts', title: 'Alerts and incidents over time', option: alertTimelineChart(d.alerts, d.from, d.to,
      d.incidents.map((i) => ({ detector: i.detector, first: eveEpoch(i.first_seen), last: eveEpoch(i.last_seen) }))) },
    { id: 'protocols', title: 'Protocols', option: protocolChart(d.protocols) },
    { id: 'sources', title: 'Top sources', option: talkersChart('Top sources (bytes sent)', d.topSources) },
    { id: 'destinations', title: 'Top destinations', option: talkersChart('Top destinations (bytes received)', d.topDestinations) },
    { id: 'services', title: 'Top services', option: portsChart('Services most connected to', 'connections', d.topServices) },
    { id: 'source-ports', title: 'Top source ports', option: portsChart('Top source ports (packets sent from)', 'packets', d.topSourcePorts) },
  ];
}
