// The self-contained HTML report: one file with the ECharts library, the page script, the styles and the
// data inlined, so it opens anywhere with no network. Every string from the traffic is escaped here; the
// chart data travels as JSON in a non-executable script element, escaped so it cannot close it.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { reportCharts } from './chart-options.js';
import type { ReportAlert, ReportData } from './report-data.js';
import { formatBytes } from '../output/summary-report.js';
import { durationText } from '../output/duration-text.js';
import { eveEpoch } from '../store/netwatch-db.js';

const require = createRequire(import.meta.url);
/** web/ beside dist/: three levels above dist/src/report/. */
const WEB = new URL('../../../web/', import.meta.url);

let assets: { echarts: string; script: string; style: string } | null = null;
function loadAssets(): { echarts: string; script: string; style: string } {
  assets ??= {
    echarts: readFileSync(require.resolve('echarts/dist/echarts.min.js'), 'utf8'),
    script: readFileSync(new URL('report.js', WEB), 'utf8'),
    style: readFileSync(new URL('report.css', WEB), 'utf8'),
  };
  return assets;
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESC[c]);
}

/** JSON safe inside <script type="application/json">: no '<' (so no '</script>'), no '&', no line separators. */
export function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function time(epoch: number | null): string {
  return epoch === null ? '-' : new Date(epoch * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

const SEVERITY = ['', 'high', 'medium', 'low'];

/** A table whose columns sort on click (report.js); data-v holds the sort key of a cell when it differs from its text. */
function table(id: string, head: { label: string; numeric?: boolean }[], rows: string[][], empty: string): string {
  if (rows.length === 0) return `<p class="empty">${escapeHtml(empty)}</p>`;
  const th = head.map((h) => `<th${h.numeric ? ' class="num"' : ''} tabindex="0">${escapeHtml(h.label)}</th>`).join('');
  return `<table class="sortable" id="${id}"><thead><tr>${th}</tr></thead><tbody>\n${rows.map((r) => `<tr>${r.join('')}</tr>`).join('\n')}\n</tbody></table>`;
}

function td(text: string, sortKey?: number | string, cls?: string): string {
  const v = sortKey === undefined ? '' : ` data-v="${escapeHtml(String(sortKey))}"`;
  return `<td${v}${cls ? ` class="${cls}"` : ''}>${escapeHtml(text)}</td>`;
}

function endpoint(ip: string, port: number | null): string {
  if (port === null) return ip;
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

function alertRow(a: ReportAlert): string[] {
  return [
    td(time(a.epoch), a.epoch), td(SEVERITY[a.severity] ?? String(a.severity), a.severity, `sev${a.severity}`), td(a.detector),
    td(a.signature), td(endpoint(a.src_ip, a.src_port)), td(endpoint(a.dest_ip, a.dest_port)), td(a.proto),
    td(a.score.toFixed(2), a.score, 'num'), td(a.evidence),
  ];
}

/**
 * Why the hosts table is empty. Alerts with no host scored are not "no host raised an alert": a flood's
 * addresses can be spoofed or one of many (docs/intel.md), and old alerts decay to 0.0.
 */
function noHostsText(s: ReportData['summary']): string {
  if (s.alerts === 0) return 'No host raised an alert.';
  if (s.decayedHosts > 0) return 'No host scored above 0.0 (see the note above).';
  return `No host to score: ${s.alerts === 1 ? 'the alert names' : `the ${count(s.alerts)} alerts name`} no address that is an attacker or a victim `
    + 'of its own (spoofed, multicast or one of many addresses, as in a randomised flood, or a reflector).';
}

export function renderReportHtml(d: ReportData): string {
  const a = loadAssets();
  const s = d.summary;
  const charts = reportCharts(d);
  const cards: [string, string][] = [
    ['packets', count(s.packets)], ['bytes', formatBytes(s.bytes)], ['alerts', count(s.alerts)], ['incidents', count(s.incidents)],
    ['flagged hosts', count(s.flaggedHosts)],
    ['capture loss', s.ringDrops + s.kernelDrops === 0 ? 'none' : `${count(s.ringDrops + s.kernelDrops)} (${s.lossPercent.toFixed(2)}%)`],
  ];
  const models = d.alerts.filter((x) => x.explanation.length > 0);
  const truncated = d.alerts.length < s.alerts ? `<p class="note">The ${count(d.alerts.length)} newest of ${count(s.alerts)} alerts are listed.</p>` : '';
  // --max-rows caps the incidents too (by last seen): said as for the alerts, rather than looking like all of them.
  const incidentsTruncated = d.incidents.length < s.incidents
    ? `<p class="note">The ${count(d.incidents.length)} most recently seen of ${count(s.incidents)} incidents are listed.</p>` : '';
  const duration = d.from !== null && d.to !== null ? ` (${durationText(d.to - d.from)})` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="netwatch ${escapeHtml(d.version)}">
<title>netwatch report: ${escapeHtml(d.title)}</title>
<style>${a.style}</style>
</head>
<body>
<header>
<h1>netwatch report: ${escapeHtml(d.title)}</h1>
<p class="sub">${escapeHtml(time(d.from))} to ${escapeHtml(time(d.to))}${escapeHtml(duration)} (packet time) · generated ${escapeHtml(d.generatedAt)} by netwatch ${escapeHtml(d.version)}</p>
</header>
<main>
<section class="cards" id="summary">
${cards.map(([k, v]) => `<div class="card"><div class="value">${escapeHtml(v)}</div><div class="label">${escapeHtml(k)}</div></div>`).join('\n')}
</section>
<section class="charts">
${charts.map((c) => `<figure class="chart${c.id === 'traffic' || c.id === 'alerts' ? ' wide' : ''}" id="chart-${c.id}" aria-label="${escapeHtml(c.title)}"></figure>`).join('\n')}
</section>
<section id="hosts">
<h2>Flagged hosts</h2>
<p class="note">Threat score 0-100 from each host's alerts (severity, count, recency), intel listings and the model; see docs/intel.md.</p>
${d.summary.decayedHosts > 0 ? `<p class="note">${count(d.summary.decayedHosts)} more host${d.summary.decayedHosts === 1 ? '' : 's'} named by alerts in this report scored 0.0: ${d.summary.decayedHosts === 1 ? 'its alerts are' : 'their alerts are'} days older than the newest, and a score halves every day before it. netwatch report --no-decay weighs every alert in full.</p>\n` : ''}${table('hosts-table', [{ label: 'host' }, { label: 'score', numeric: true }, { label: 'role' }, { label: 'alerts', numeric: true }, { label: 'reasons' }],
    d.hosts.map((h) => [td(h.host), td(h.score.toFixed(1), h.score, 'num'), td(h.role), td(String(h.alerts), h.alerts, 'num'), td(h.reasons.join('; '))]),
    noHostsText(s))}
</section>
<section id="model">
<h2>Model alerts explained</h2>
${models.length === 0 ? '<p class="empty">No anomaly alerts from the model (netwatch report --model FILE scores host windows).</p>'
    : `<ul class="explain">${models.map((m) => `<li><strong>${escapeHtml(m.src_ip)}</strong> at ${escapeHtml(time(m.epoch))}, score ${escapeHtml(m.score.toFixed(3))}:<ul>${m.explanation.map((e) => `<li>${escapeHtml(e)}</li>`).join('')}</ul></li>`).join('\n')}</ul>`}
</section>
<section id="incidents">
<h2>Incidents</h2>
${incidentsTruncated}
${table('incidents-table', [{ label: 'last seen' }, { label: 'first seen' }, { label: 'detector' }, { label: 'at its peak' }, { label: 'source' }, { label: 'destination' }, { label: 'count', numeric: true }, { label: 'peak score', numeric: true }],
    d.incidents.map((i) => [td(time(eveEpoch(i.last_seen)), eveEpoch(i.last_seen)), td(time(eveEpoch(i.first_seen)), eveEpoch(i.first_seen)), td(i.detector), td(i.peak_detail !== '' ? i.peak_detail : i.signature), td(i.src_ip), td(i.dest_ip),
      td(String(i.count), i.count, 'num'), td(i.peak_score.toFixed(2), i.peak_score, 'num')]),
    'No incidents.')}
</section>
<section id="alerts">
<h2>Alerts</h2>
${truncated}
${table('alerts-table', [{ label: 'time' }, { label: 'severity' }, { label: 'detector' }, { label: 'signature' }, { label: 'source' }, { label: 'destination' }, { label: 'proto' }, { label: 'score', numeric: true }, { label: 'evidence' }],
    d.alerts.map(alertRow), 'No alerts: none of the detectors found anything in this traffic.')}
</section>
<section id="runs">
<h2>Runs</h2>
${table('runs-table', [{ label: 'source' }, { label: 'kind' }, { label: 'started' }, { label: 'ended' }, { label: 'packets', numeric: true }, { label: 'bytes', numeric: true }, { label: 'dropped', numeric: true }, { label: 'alerts', numeric: true }, { label: 'status' }],
    d.runs.map((r) => [td(r.source), td(r.kind), td(r.started_at), td(r.ended_at ?? r.status), td(count(r.packets), r.packets, 'num'),
      td(formatBytes(r.bytes), r.bytes, 'num'), td(count(r.ring_drops + r.kernel_drops), r.ring_drops + r.kernel_drops, 'num'), td(count(r.alerts), r.alerts, 'num'), td(r.status)]),
    'No runs in this range.')}
</section>
</main>
<footer>netwatch ${escapeHtml(d.version)} · charts by Apache ECharts</footer>
<script type="application/json" id="nw-charts">${scriptJson(charts.map((c) => ({ id: c.id, option: c.option })))}</script>
<script>${a.echarts}</script>
<script>${a.script}</script>
</body>
</html>
`;
}
