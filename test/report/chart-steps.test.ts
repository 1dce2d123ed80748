// Traffic charts place each bucket's value over its own bucket: the points are bucket starts, so the
// value of the bucket starting at t is drawn from t to t + bucket, not over the bucket before it. Checked
// on the options and on the line ECharts draws from them (its SSR renderer, as --png uses).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as echarts from 'echarts';
import { volumeChart, type ChartOption } from '../../src/report/chart-options.js';
import { hostTrafficChart } from '../../src/report/dashboard-charts.js';

const T = 1_700_000_040;
const counts = { tcp: 0, udp: 0, icmp: 0, arp: 0, other: 0 };

/** The first series' line as ECharts draws it (SVG path points, in pixels), given to check with a function from data to pixels. */
function drawn(option: ChartOption, check: (line: [number, number][], px: (t: number, v: number) => [number, number]) => void): void {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: 1000, height: 400 });
  try {
    chart.setOption(option);
    const svg = chart.renderToSVGString();
    const d = /<path d="(M[\d.\sLM-]+)"[^>]*fill="none"[^>]*stroke="#3b6fd8"/.exec(svg);
    assert.ok(d !== null, 'no line drawn');
    const line = [...d[1].matchAll(/[ML]([\d.-]+) ([\d.-]+)/g)].map((m) => [Number(m[1]), Number(m[2])] as [number, number]);
    check(line, (t, v) => chart.convertToPixel({ seriesIndex: 0 }, [t * 1000, v]) as [number, number]);
  } finally {
    chart.dispose();
  }
}

/** Whether the drawn line has a horizontal segment at the value's height from the start's x to the end's x. */
function covers(line: [number, number][], from: [number, number], to: [number, number]): boolean {
  const near = (a: number, b: number): boolean => Math.abs(a - b) < 0.5;
  return line.some((p, i) => i + 1 < line.length && near(p[0], from[0]) && near(p[1], from[1])
    && near(line[i + 1][0], to[0]) && near(line[i + 1][1], from[1]));
}

test('the report and overview traffic chart draws each bucket from its start to its end', () => {
  const values = [10, 50, 20];
  const option = volumeChart(values.map((v, i) => ({ t: T + 60 * i, packets: v, bytes: v * 100, ...counts })), 60);
  for (const s of option.series as { step: string }[]) assert.equal(s.step, 'end');
  drawn(option, (line, px) => values.forEach((v, i) => {
    const t = T + 60 * i;
    assert.ok(covers(line, px(t, v), px(t + 60, v)), `${v} packets not drawn over [${t}, ${t + 60}): ${JSON.stringify(line)}`);
    // Not over the bucket before it, where 'start' drew it.
    if (i > 0) assert.ok(!covers(line, px(t - 60, v), px(t, v)), `${v} packets drawn over the bucket before its own`);
  }));
});

test('a one-bucket chart still draws its bucket as a width, not a lone point', () => {
  drawn(volumeChart([{ t: T, packets: 7, bytes: 700, ...counts }], 1), (line, px) => {
    assert.ok(covers(line, px(T, 7), px(T + 1, 7)), JSON.stringify(line));
  });
});

test('the dashboard host chart draws each bucket from its start to its end', () => {
  const option = hostTrafficChart([{ t: T, sent: 300, received: 5 }, { t: T + 3600, sent: 100, received: 9 }], 3600);
  for (const s of option.series as { step: string }[]) assert.equal(s.step, 'end');
  drawn(option, (line, px) => {
    assert.ok(covers(line, px(T, 300), px(T + 3600, 300)), JSON.stringify(line));
    assert.ok(covers(line, px(T + 3600, 100), px(T + 7200, 100)), JSON.stringify(line));
    assert.ok(!covers(line, px(T, 100), px(T + 3600, 100)), 'the second hour drawn over the first');
  });
});
