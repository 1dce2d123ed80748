// netwatch dashboard: one small client-side app over the JSON API (docs/dashboard.md). Every string that
// came from the network (addresses, DNS names, signatures, evidence) reaches the page as a text node:
// the DOM is built with createElement and textContent only, never innerHTML.
'use strict';

(function () {
  const POLL_MS = 2000;
  const SEVERITY = { 1: 'high', 2: 'medium', 3: 'low' };
  const main = document.getElementById('main');
  const statusEl = document.getElementById('status');
  let charts = [];
  let timer = null;
  let generation = 0;
  let meta = null;

  // ---- DOM helpers -------------------------------------------------------------------------------

  /** An element with safe attributes (no event handlers, no style) and children as text or nodes. */
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (/^on/i.test(k) || k === 'style' || k === 'srcdoc') throw new Error(`attribute ${k} not allowed`);
      if (k === 'text') e.textContent = String(v);
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    append(e, children);
    return e;
  }

  function append(parent, children) {
    for (const c of children.flat()) {
      if (c === undefined || c === null || c === false) continue;
      parent.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
    }
    return parent;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  /** A link inside the app: only '#/...' targets, with parameters encoded. */
  function appLink(page, params, ...children) {
    return el('a', { href: hashFor(page, params) }, ...children);
  }

  function hostLink(ip) {
    return ip ? appLink('host', { ip }, ip) : '';
  }

  function hashFor(page, params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params || {})) if (v !== undefined && v !== null && v !== '' && v !== false) q.set(k, String(v));
    const s = q.toString();
    return `#/${page}${s ? `?${s}` : ''}`;
  }

  // ---- formatting --------------------------------------------------------------------------------

  const nf = new Intl.NumberFormat('en-US');
  function num(n) { return nf.format(Math.round(n)); }
  function dec(n, d) { return Number(n).toFixed(d === undefined ? 1 : d); }
  function bytes(n) {
    const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
    return `${i === 0 ? Math.round(n) : n.toFixed(1)} ${u[i]}`;
  }
  function time(ts) {
    // EVE "2024-05-01T12:00:00.123456+0000" and ISO strings: shown as UTC to the second.
    return typeof ts === 'string' ? ts.slice(0, 19).replace('T', ' ') : '';
  }
  function epochTime(sec) {
    return sec === null || sec === undefined ? '—' : new Date(sec * 1000).toISOString().slice(0, 19).replace('T', ' ');
  }
  function evidenceText(ev) {
    return Object.entries(ev || {}).map(([k, v]) => `${k}=${v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(', ');
  }
  function sevBadge(s) {
    return el('span', { class: `sev sev-${s}` }, SEVERITY[s] || String(s));
  }

  // ---- API ---------------------------------------------------------------------------------------

  async function api(path, options) {
    const res = await fetch(path, Object.assign({ credentials: 'same-origin', headers: { accept: 'application/json' } }, options || {}));
    const text = await res.text();
    let body = null;
    try { body = JSON.parse(text); } catch { body = null; }
    if (!res.ok) throw new Error(body && body.error ? body.error : `${res.status} ${text.trim().slice(0, 200)}`);
    return body;
  }

  function setStatus(text) {
    statusEl.textContent = text;
  }

  // ---- charts ------------------------------------------------------------------------------------

  function chartBox(parent, id) {
    const div = el('div', { class: 'chart', id: `chart-${id}`, 'data-chart': id });
    parent.appendChild(div);
    const c = window.echarts.init(div, null, { renderer: 'svg' });
    charts.push(c);
    // A grid cell changes width when its neighbours arrive or a scrollbar appears: redraw to fit.
    resizer.observe(div);
    return c;
  }

  const resizer = new ResizeObserver((entries) => {
    for (const e of entries) {
      const c = window.echarts.getInstanceByDom(e.target);
      if (c && !c.isDisposed()) c.resize();
    }
  });

  function disposeCharts() {
    for (const c of charts) { resizer.unobserve(c.getDom()); c.dispose(); }
    charts = [];
  }

  // ---- routing -----------------------------------------------------------------------------------

  function route() {
    const h = location.hash.replace(/^#\/?/, '');
    const i = h.indexOf('?');
    const page = (i < 0 ? h : h.slice(0, i)) || 'overview';
    const params = Object.fromEntries(new URLSearchParams(i < 0 ? '' : h.slice(i + 1)));
    return { page, params };
  }

  async function render() {
    generation++;
    const gen = generation;
    if (timer !== null) { clearTimeout(timer); timer = null; }
    disposeCharts();
    clear(main);
    const { page, params } = route();
    for (const a of document.querySelectorAll('header nav a')) {
      const p = a.getAttribute('data-page');
      a.classList.toggle('active', p === page || (p === 'hosts' && page === 'host'));
    }
    try {
      if (meta === null) meta = await api('/api/meta');
      const pages = { overview: overviewPage, alerts: alertsPage, hosts: hostsPage, host: hostPage, upload: uploadPage };
      const fn = pages[page] || overviewPage;
      await fn(params, gen);
    } catch (e) {
      if (gen !== generation) return;
      clear(main);
      main.appendChild(el('p', { class: 'error' }, `Could not load: ${e.message}`));
    }
  }

  /** Runs fn every POLL_MS while this page is shown; a failure is shown in the header and retried. */
  function poll(gen, fn) {
    const tick = async () => {
      if (gen !== generation) return;
      try {
        await fn();
        setStatus(`updated ${new Date().toLocaleTimeString()}`);
      } catch (e) {
        setStatus(`update failed: ${e.message}`);
      }
      if (gen === generation) timer = setTimeout(tick, POLL_MS);
    };
    timer = setTimeout(tick, POLL_MS);
  }

  function rangeSelect(value, onChange) {
    const s = el('select', { name: 'range', id: 'range' });
    for (const r of meta.ranges) s.appendChild(el('option', { value: r, selected: r === value }, r === 'all' ? 'everything' : `last ${r}`));
    if (onChange) s.addEventListener('change', () => onChange(s.value));
    return s;
  }

  // ---- overview ----------------------------------------------------------------------------------

  async function overviewPage(params, gen) {
    const range = params.range || '24h';
    const q = `/api/overview?range=${encodeURIComponent(range)}`;
    let data = await api(q);
    if (gen !== generation) return;
    const head = el('div', { class: 'pager' }, el('h1', {}, 'Overview'), rangeSelect(range, (v) => { location.hash = hashFor('overview', { range: v }); }));
    const cards = el('div', { class: 'cards', id: 'overview-cards' });
    const chartsDiv = el('div', { class: 'charts' });
    const detTable = el('div', { id: 'detector-counts' });
    const latest = el('div', { id: 'latest-alerts' });
    append(main, [head, el('p', { class: 'muted-text', id: 'range-text' }), cards, chartsDiv,
      el('div', { class: 'two-col' }, el('div', {}, el('h2', {}, 'Alerts by detector'), detTable), el('div')),
      el('h2', {}, 'Latest alerts'), latest]);
    const cTraffic = chartBox(chartsDiv, 'traffic');
    const cAlerts = chartBox(chartsDiv, 'alerts');
    const cDetectors = chartBox(chartsDiv, 'detectors');
    const draw = () => {
      document.getElementById('range-text').textContent =
        `${epochTime(data.range.since)} to ${epochTime(data.range.until)} UTC (packet time; a range ends at the newest data)`;
      clear(cards);
      const r = data.rates;
      append(cards, [
        card('Packets/s', r.minutes > 0 ? dec(r.packetsPerSec, 1) : '—', r.minutes > 0 ? `last ${r.minutes} min to ${epochTime(r.newestMinute + 60)}` : 'no statistics yet', 'rate-packets'),
        card('Bytes/s', r.minutes > 0 ? bytes(r.bytesPerSec) : '—', r.minutes > 0 ? `${bytes(r.bytesPerSec * 8).replace('B', 'b')}it/s` : '', 'rate-bytes'),
        card('Capture loss', `${dec(r.lossPercent, 2)} %`, `in range: ${dec(data.traffic.lossPercent, 2)} % (${num(data.traffic.ringDrops + data.traffic.kernelDrops)} dropped)`, 'loss'),
        card('Alerts', num(data.alerts.total), `${num(data.incidents)}${data.incidentsCapped ? '+' : ''} incidents${data.mutedCount > 0 ? ` (${data.mutedCount} muted hidden)` : ''}`, 'alerts-total'),
        card('High', num(data.alerts.bySeverity.high), 'severity 1', 'sev-high', 'sev-1'),
        card('Medium', num(data.alerts.bySeverity.medium), 'severity 2', 'sev-medium', 'sev-2'),
        card('Low', num(data.alerts.bySeverity.low), 'severity 3', 'sev-low', 'sev-3'),
        card('Packets in range', num(data.traffic.packets), bytes(data.traffic.bytes), 'range-packets'),
      ]);
      cTraffic.setOption(data.charts.traffic, true);
      cAlerts.setOption(data.charts.alerts, true);
      cDetectors.setOption(data.charts.detectors, true);
      clear(detTable);
      detTable.appendChild(table(['Detector', 'Alerts'], data.alerts.byDetector.map((d) => [
        appLink('alerts', { detector: d.detector === 'other' ? '' : d.detector, range }, d.detector), num(d.count)]), [false, true], 'detector-table'));
      clear(latest);
      latest.appendChild(alertTable(data.latest, null, 'latest-table'));
    };
    draw();
    poll(gen, async () => {
      const next = await api(q);
      if (gen !== generation) return;
      data = next;
      draw();
    });
  }

  function card(label, value, sub, id, cls) {
    return el('div', { class: `card ${cls || ''}`, id: `card-${id}` }, el('div', { class: 'label' }, label), el('div', { class: 'value' }, value), el('div', { class: 'sub' }, sub || ''));
  }

  /** rows: arrays of cells (text or nodes); numeric: which columns align right. */
  function table(headers, rows, numeric, id) {
    const t = el('table', { id });
    t.appendChild(el('thead', {}, el('tr', {}, headers.map((h) => el('th', {}, h)))));
    const tb = el('tbody');
    for (const r of rows) tb.appendChild(el('tr', {}, r.map((c, i) => el('td', { class: numeric && numeric[i] ? 'num' : null }, c))));
    if (rows.length === 0) tb.appendChild(el('tr', {}, el('td', { colspan: headers.length, class: 'muted-text' }, 'none')));
    t.appendChild(tb);
    return t;
  }

  // ---- alerts and incidents ----------------------------------------------------------------------

  const ALERT_COLUMNS = [
    ['time', 'Time'], ['severity', 'Severity'], ['detector', 'Detector'], [null, 'Signature'], ['src', 'Source'], ['dest', 'Destination'],
    [null, 'Proto'], ['score', 'Score'], [null, 'Evidence'],
  ];

  /** A table head whose keyed columns sort server-side on click (sort: {sort, dir, onSort}, or null). */
  function sortableHead(columns, sort, withKeys) {
    const tr = el('tr');
    for (const [key, label] of columns) {
      const th = el('th', withKeys ? { 'data-sort': key } : {}, label);
      if (sort && key) {
        th.classList.add('sortable');
        if (sort.sort === key) th.classList.add(sort.dir === 'asc' ? 'sorted-asc' : 'sorted-desc');
        th.addEventListener('click', () => sort.onSort(key, sort.sort === key && sort.dir === 'desc' ? 'asc' : 'desc'));
      }
      tr.appendChild(th);
    }
    return el('thead', {}, tr);
  }

  /**
   * What a clicked alert shows in full: its ids, the flow it names (as stored, or why it is not there) and
   * its evidence.
   */
  function alertDetail(a) {
    const d = { id: a.id, signature_id: a.signature_id, run: a.run_id, run_incident: a.incident_id };
    // An ARP redirection names the redirected flow in its evidence rather than as its own flow_id.
    const named = a.flow_id ?? a.evidence?.redirected_flow?.flow_id;
    if (named !== null && named !== undefined) {
      d.flow_id = named;
      d.flow = a.flow ?? 'not in the database (flows are stored with --db-flows alerted or all)';
    }
    d.evidence = a.evidence;
    return JSON.stringify(d, null, 2);
  }

  /** The alert table; sort: {sort, dir, onSort} for sortable headers, or null. Clicking a row shows its evidence and flow in full. */
  function alertTable(rows, sort, id, open, query) {
    const t = el('table', { id, class: 'alerts', 'data-query': query });
    t.appendChild(sortableHead(ALERT_COLUMNS, sort, true));
    const tb = el('tbody');
    for (const a of rows) {
      const row = el('tr', { class: 'alert-row', 'data-alert-id': a.id },
        el('td', {}, time(a.timestamp)), el('td', {}, sevBadge(a.severity)), el('td', {}, a.detector),
        el('td', { class: 'wrap signature' }, a.signature),
        el('td', {}, hostLink(a.src_ip), a.src_port !== null ? `:${a.src_port}` : ''),
        el('td', {}, hostLink(a.dest_ip), a.dest_port !== null ? `:${a.dest_port}` : ''),
        el('td', {}, a.proto), el('td', { class: 'num' }, dec(a.score, 2)), el('td', { class: 'evidence' }, evidenceText(a.evidence)));
      const detail = el('tr', { class: 'detail', hidden: !(open && open.has(a.id)) },
        el('td', { colspan: ALERT_COLUMNS.length }, el('pre', {}, alertDetail(a))));
      row.addEventListener('click', (ev) => {
        if (ev.target.closest('a')) return;
        detail.hidden = !detail.hidden;
        if (open) { if (detail.hidden) open.delete(a.id); else open.add(a.id); }
      });
      tb.appendChild(row);
      tb.appendChild(detail);
    }
    if (rows.length === 0) tb.appendChild(el('tr', {}, el('td', { colspan: ALERT_COLUMNS.length, class: 'muted-text' }, 'no alerts')));
    t.appendChild(tb);
    return t;
  }

  const INCIDENT_COLUMNS = [
    [null, 'Id'], ['detector', 'Detector'], [null, 'Signature'], [null, 'Source'], [null, 'Destination'], ['first', 'First seen'],
    ['last', 'Last seen'], ['count', 'Count'], ['score', 'Peak score'], [null, 'State'], [null, ''],
  ];

  function incidentTable(rows, sort, onState, query) {
    const t = el('table', { id: 'incidents-table', 'data-query': query });
    t.appendChild(sortableHead(INCIDENT_COLUMNS, sort, false));
    const tb = el('tbody');
    for (const i of rows) {
      const st = i.state ? i.state.state : null;
      const actions = el('td', {});
      if (onState) {
        const btn = (label, value) => {
          const b = el('button', { type: 'button', class: 'small', 'data-action': value }, label);
          b.addEventListener('click', () => onState(i.id, value));
          return b;
        };
        if (st !== 'ack') actions.appendChild(btn('Acknowledge', 'ack'));
        if (st !== 'mute') actions.appendChild(btn('Mute', 'mute'));
        if (st !== null) actions.appendChild(btn(st === 'mute' ? 'Unmute' : 'Clear', 'none'));
      }
      tb.appendChild(el('tr', { 'data-incident-id': i.id, class: st ? `state-${st}` : null },
        el('td', { class: 'num' }, el('a', { href: `#/alerts?incident=${encodeURIComponent(i.id)}`, title: `the alerts of incident ${i.id} (run ${i.run_id}, #${i.run_incident})` }, String(i.id))),
        el('td', {}, i.detector), el('td', { class: 'wrap' }, i.signature),
        el('td', {}, hostLink(i.src_ip)), el('td', {}, hostLink(i.dest_ip)), el('td', {}, time(i.first_seen)), el('td', {}, time(i.last_seen)),
        el('td', { class: 'num' }, num(i.count)), el('td', { class: 'num' }, dec(i.peak_score, 2)),
        el('td', { class: 'state' }, st ? el('span', { class: `badge ${st}`, title: i.state.at }, st === 'ack' ? 'acknowledged' : 'muted') : ''),
        actions));
    }
    if (rows.length === 0) tb.appendChild(el('tr', {}, el('td', { colspan: INCIDENT_COLUMNS.length, class: 'muted-text' }, 'no incidents')));
    t.appendChild(tb);
    return t;
  }

  function toLocalInput(sec) {
    return sec ? new Date(sec * 1000).toISOString().slice(0, 16) : '';
  }

  async function alertsPage(params, gen) {
    const p = Object.assign({ range: '24h', severity: '3', sort: 'time', dir: 'desc', isort: 'last', idir: 'desc', offset: '0' }, params);
    const go = (over) => { location.hash = hashFor('alerts', Object.assign({}, p, over)); };
    const common = () => {
      const q = new URLSearchParams({ range: p.range });
      for (const k of ['since', 'until', 'detector', 'host']) if (p[k]) q.set(k, p[k]);
      if (p.muted === '1') q.set('muted', '1');
      return q;
    };
    // One incident's alerts (from its row in the incidents table): the incident alone, all its alerts.
    const one = p.incident ? String(p.incident) : '';
    const alertsUrl = () => {
      const q = one ? new URLSearchParams({ incident: one }) : common();
      if (!one) q.set('severity', p.severity);
      q.set('sort', p.sort); q.set('dir', p.dir); q.set('offset', p.offset); q.set('limit', '50');
      return `/api/alerts?${q}`;
    };
    const incidentsUrl = () => {
      const q = common();
      q.set('sort', p.isort); q.set('dir', p.idir); q.set('limit', '100');
      return `/api/incidents?${q}`;
    };
    const fetchBoth = async () => {
      if (!one) return Promise.all([api(alertsUrl()), api(incidentsUrl())]);
      const a = await api(alertsUrl());
      return [a, { rows: [a.incident], total: 1, capped: false, mutedCount: 0 }];
    };
    let [alerts, incidents] = await fetchBoth();
    if (gen !== generation) return;

    // The filter form only rewrites the page address; nothing is submitted anywhere.
    const form = el('form', { class: 'filters', id: 'filters' });
    const det = el('select', { name: 'detector', id: 'f-detector' }, el('option', { value: '' }, 'all detectors'),
      meta.detectors.map((d) => el('option', { value: d, selected: d === p.detector }, d)));
    const sev = el('select', { name: 'severity', id: 'f-severity' },
      [['3', 'all severities'], ['2', 'medium and high'], ['1', 'high only']].map(([v, l]) => el('option', { value: v, selected: v === p.severity }, l)));
    const host = el('input', { name: 'host', id: 'f-host', placeholder: 'address (source or destination)', value: p.host || '', size: 28 });
    const since = el('input', { name: 'since', id: 'f-since', type: 'datetime-local', value: p.since ? toLocalInput(Number(p.since)) : '' });
    const until = el('input', { name: 'until', id: 'f-until', type: 'datetime-local', value: p.until ? toLocalInput(Number(p.until)) : '' });
    const showMuted = el('input', { type: 'checkbox', id: 'f-muted', checked: p.muted === '1' });
    const range = rangeSelect(p.range);
    append(form, [
      el('label', {}, 'Range', range), el('label', {}, 'From (UTC)', since), el('label', {}, 'To (UTC)', until),
      el('label', {}, 'Severity', sev), el('label', {}, 'Detector', det), el('label', {}, 'Host', host),
      el('label', { class: 'inline' }, showMuted, 'show muted'), el('button', { type: 'submit', id: 'f-apply' }, 'Apply'),
    ]);
    const epochOf = (v) => (v ? String(Date.parse(`${v}:00Z`) / 1000) : '');
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      go({ range: range.value, detector: det.value, severity: sev.value, host: host.value.trim(), since: epochOf(since.value), until: epochOf(until.value), muted: showMuted.checked ? '1' : '', offset: '0' });
    });
    showMuted.addEventListener('change', () => form.requestSubmit());

    const incDiv = el('div', { id: 'incidents' });
    const alertDiv = el('div', { id: 'alerts' });
    const pager = el('div', { class: 'pager', id: 'pager' });
    if (one) {
      append(main, [el('h1', {}, `Alerts of incident ${one}`), el('p', {}, el('a', { href: '#/alerts', id: 'all-alerts' }, 'all alerts and incidents')),
        el('h2', {}, 'Incident'), el('p', { class: 'muted-text', id: 'incidents-count' }), incDiv, el('h2', {}, 'Its alerts'), pager, alertDiv]);
    } else {
      append(main, [el('h1', {}, 'Alerts and incidents'), form, el('h2', {}, 'Incidents'), el('p', { class: 'muted-text', id: 'incidents-count' }), incDiv,
        el('h2', {}, 'Alerts'), pager, alertDiv]);
    }
    const open = new Set();
    const onState = async (id, state) => {
      try {
        await api(`/api/incidents/${id}/state`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ state }) });
        [alerts, incidents] = await fetchBoth();
        draw();
      } catch (e) {
        setStatus(`could not change incident ${id}: ${e.message}`);
      }
    };
    const draw = () => {
      clear(incDiv);
      incDiv.appendChild(incidentTable(incidents.rows, { sort: p.isort, dir: p.idir, onSort: (s, d) => go({ isort: s, idir: d }) }, onState, incidentsUrl()));
      document.getElementById('incidents-count').textContent =
        `${num(incidents.total)}${incidents.capped ? '+' : ''} incidents${incidents.mutedCount > 0 && p.muted !== '1' ? ` (${incidents.mutedCount} muted hidden)` : ''}`;
      clear(alertDiv);
      alertDiv.appendChild(alertTable(alerts.rows, { sort: p.sort, dir: p.dir, onSort: (s, d) => go({ sort: s, dir: d, offset: '0' }) }, 'alerts-table', open, alertsUrl()));
      clear(pager);
      const off = Number(p.offset);
      const prev = el('button', { type: 'button', id: 'prev', disabled: off === 0 }, '‹ newer');
      const next = el('button', { type: 'button', id: 'next', disabled: off + alerts.rows.length >= alerts.total }, 'older ›');
      prev.addEventListener('click', () => go({ offset: String(Math.max(0, off - 50)) }));
      next.addEventListener('click', () => go({ offset: String(off + 50) }));
      append(pager, [prev, el('span', { id: 'alerts-count' },
        alerts.total === 0 ? 'no alerts' : `alerts ${num(off + 1)}–${num(off + alerts.rows.length)} of ${num(alerts.total)}${alerts.capped ? '+' : ''}`), next]);
    };
    draw();
    poll(gen, async () => {
      const [a, i] = await fetchBoth();
      if (gen !== generation) return;
      alerts = a; incidents = i;
      draw();
    });
  }

  // ---- hosts -------------------------------------------------------------------------------------

  async function hostsPage(_params, gen) {
    const data = await api('/api/hosts?limit=100');
    if (gen !== generation) return;
    const form = el('form', { class: 'filters' });
    const ip = el('input', { name: 'ip', placeholder: 'address', size: 30, id: 'host-go' });
    append(form, [el('label', {}, 'Go to host', ip), el('button', { type: 'submit' }, 'Show')]);
    form.addEventListener('submit', (ev) => { ev.preventDefault(); if (ip.value.trim()) location.hash = hashFor('host', { ip: ip.value.trim() }); });
    append(main, [el('h1', {}, 'Hosts by threat score'), form,
      el('p', { class: 'muted-text' }, `${num(data.total)} hosts named by alerts; scores as of ${epochTime(data.asOf)} UTC (newest alert)`),
      table(['Rank', 'Host', 'Score', 'Role', 'Alerts', 'Reasons'], data.hosts.map((h, i) => [
        String(i + 1), hostLink(h.host), dec(h.score, 1), h.role, num(h.alerts), h.reasons.join('; ')]), [true, false, true, false, true, false], 'hosts-table')]);
  }

  async function hostPage(params, gen) {
    const range = params.range || '7d';
    const ip = params.ip || '';
    const data = await api(`/api/host?ip=${encodeURIComponent(ip)}&range=${encodeURIComponent(range)}`);
    if (gen !== generation) return;
    const head = el('div', { class: 'pager' }, el('h1', { id: 'host-title' }, `Host ${data.host}`), rangeSelect(range, (v) => { location.hash = hashFor('host', { ip, range: v }); }));
    const s = data.score;
    const cards = el('div', { class: 'cards' },
      card('Threat score', s ? dec(s.score, 1) : '0', s ? `rank ${s.rank} of ${s.of}, as ${s.role}` : 'no alert in the scoring window (7 days to the newest alert)', 'score'),
      card('Alerts', num(data.alerts.total), `${data.byDetector.length} detectors`, 'host-alerts'),
      card('Sent', bytes(data.traffic.sentBytes), 'while among top talkers', 'sent'),
      card('Received', bytes(data.traffic.receivedBytes), 'while among top receivers', 'received'));
    append(main, [head, cards]);
    if (s && s.reasons.length > 0) append(main, [el('h2', {}, 'Why this score'), el('ul', { class: 'reasons', id: 'score-reasons' }, s.reasons.map((r) => el('li', {}, r)))]);
    if (data.asset) {
      const a = data.asset;
      append(main, [el('h2', {}, 'Known from the last scan'), el('p', {}, `${a.hostnames || 'no name'}; OS ${a.os || 'unknown'}; scanned ${time(a.scanned_at)}`),
        table(['Proto', 'Port', 'State', 'Service', 'Product'], a.services.map((x) => [x.proto, String(x.port), x.state, x.service || '', [x.product, x.version].filter(Boolean).join(' ')]))]);
    }
    const chartsDiv = el('div', { class: 'charts' });
    append(main, [el('h2', {}, 'Traffic'), chartsDiv]);
    chartBox(chartsDiv, 'host-traffic').setOption(data.charts.traffic, true);
    append(main, [el('h2', {}, 'Alerts by detector'), table(['Detector', 'Alerts'], data.byDetector.map((d) => [d.detector, num(d.count)]), [false, true], 'host-detectors')]);
    if (data.explanations.length > 0) {
      append(main, [el('h2', {}, 'Model explanations (anomaly alerts)'), el('div', { id: 'explanations' }, data.explanations.map((x) =>
        el('div', {}, el('p', {}, `${time(x.timestamp)}:`), el('ul', { class: 'reasons' }, x.lines.map((l) => el('li', {}, l))))))]);
    }
    append(main, [el('h2', {}, `Alerts (newest ${data.alerts.rows.length} of ${num(data.alerts.total)})`),
      el('p', {}, appLink('alerts', { host: ip, range }, 'all alerts of this host with filters')), alertTable(data.alerts.rows, null, 'host-alerts-table', new Set())]);
  }

  // ---- upload ------------------------------------------------------------------------------------

  async function uploadPage(_params, gen) {
    const limit = meta.maxUploadBytes;
    const input = el('input', { type: 'file', id: 'upload-file', accept: '.pcap,.pcapng,.cap,application/vnd.tcpdump.pcap' });
    const button = el('button', { type: 'button', id: 'upload-go' }, 'Analyse');
    const status = el('p', { id: 'upload-status', class: 'muted-text' }, limit > 0 ? `pcap or pcapng, up to ${bytes(limit)}; analysed on the server with the same detectors as netwatch analyze, then deleted` : 'uploads are turned off on this server');
    const out = el('div', { id: 'upload-result' });
    append(main, [el('h1', {}, 'Load a capture'), el('div', { class: 'upload-box' }, input, button), status, out]);
    if (limit <= 0) { button.disabled = true; return; }
    button.addEventListener('click', async () => {
      const f = input.files && input.files[0];
      if (!f) { status.textContent = 'choose a file first'; return; }
      button.disabled = true;
      disposeCharts();
      clear(out);
      status.textContent = `uploading and analysing ${f.name} (${bytes(f.size)})…`;
      try {
        const r = await api('/api/upload', { method: 'POST', body: f, headers: { 'content-type': 'application/octet-stream', accept: 'application/json', 'x-netwatch-filename': f.name.replace(/[^\x20-\x7e]/g, '_') } });
        if (gen !== generation) return;
        status.textContent = `${r.name}: analysed`;
        if (r.warnings.length > 0) out.appendChild(el('ul', { class: 'warning', id: 'upload-warnings' }, r.warnings.map((w) => el('li', {}, w))));
        showReport(out, r);
      } catch (e) {
        status.textContent = '';
        out.appendChild(el('p', { class: 'error', id: 'upload-error' }, e.message));
      } finally {
        button.disabled = false;
      }
    });
  }

  function showReport(out, r) {
    const d = r.data;
    const s = d.summary;
    append(out, [el('div', { class: 'cards', id: 'upload-summary' },
      card('Packets', num(s.packets), bytes(s.bytes), 'u-packets'),
      card('Alerts', num(s.alerts), `${num(s.incidents)} incidents`, 'u-alerts'),
      card('Flagged hosts', num(s.flaggedHosts), '', 'u-hosts'),
      card('Time', epochTime(d.from), `to ${epochTime(d.to)} UTC`, 'u-time'))]);
    const chartsDiv = el('div', { class: 'charts' });
    out.appendChild(chartsDiv);
    for (const c of r.charts) chartBox(chartsDiv, `u-${c.id}`).setOption(c.option, true);
    if (d.hosts.length > 0) {
      append(out, [el('h2', {}, 'Flagged hosts'), table(['Host', 'Score', 'Role', 'Alerts', 'Reasons'],
        d.hosts.map((h) => [h.host, dec(h.score, 1), h.role, num(h.alerts), h.reasons.join('; ')]), [false, true, false, true, false], 'u-hosts-table')]);
    }
    append(out, [el('h2', {}, 'Incidents'), table(['Detector', 'Signature', 'Source', 'Destination', 'First seen', 'Last seen', 'Count', 'Peak score'],
      d.incidents.map((i) => [i.detector, i.signature, i.src_ip, i.dest_ip, time(i.first_seen), time(i.last_seen), num(i.count), dec(i.peak_score, 2)]),
      [false, false, false, false, false, false, true, true], 'u-incidents-table')]);
    append(out, [el('h2', {}, `Alerts (${num(d.alerts.length)} of ${num(s.alerts)})`),
      // The model's explanation where it gave one, else the detector's evidence (key=value), as the HTML report shows it.
      table(['Time', 'Severity', 'Detector', 'Signature', 'Source', 'Destination', 'Evidence'], d.alerts.map((a) => [
        time(a.timestamp), sevBadge(a.severity), a.detector, a.signature, `${a.src_ip}${a.src_port !== null ? `:${a.src_port}` : ''}`,
        `${a.dest_ip}${a.dest_port !== null ? `:${a.dest_port}` : ''}`, a.explanation.length > 0 ? a.explanation.join('; ') : a.evidence]), null, 'u-alerts-table')]);
  }

  window.addEventListener('hashchange', render);
  render();
})();
