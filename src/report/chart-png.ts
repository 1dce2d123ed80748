// Charts as PNG files for pasting into a ticket: ECharts renders each option to SVG on the server (its
// SSR renderer needs no DOM or canvas) and resvg turns the SVG into PNG. Both are loaded only when asked for.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NamedChart } from './chart-options.js';
import { NetwatchError } from '../errors.js';

export const PNG_WIDTH = 1000;
export const PNG_HEIGHT = 400;

export async function writeChartPngs(charts: readonly NamedChart[], dir: string): Promise<string[]> {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new NetwatchError('NW_ERR_OUTPUT', `--png ${dir}: cannot make the directory (${(e as Error).message})`);
  }
  const echarts = await import('echarts');
  const { Resvg } = await import('@resvg/resvg-js');
  const out: string[] = [];
  for (const c of charts) {
    const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: PNG_WIDTH, height: PNG_HEIGHT });
    let svg: string;
    try {
      chart.setOption({ ...c.option, backgroundColor: '#ffffff', textStyle: { fontFamily: 'DejaVu Sans, sans-serif' } });
      svg = chart.renderToSVGString();
    } finally {
      chart.dispose();
    }
    const png = new Resvg(svg, {
      background: '#ffffff',
      font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
    }).render().asPng();
    const path = join(dir, `${c.id}.png`);
    writeFileSync(path, png);
    out.push(path);
  }
  return out;
}
