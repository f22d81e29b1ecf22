// metrics.js — the Metrics page: MTTA, MTTC and MTTR per site over time
// (GET /api/v1/metrics/response?window=..., its daily series), drawn by
// hand as SVG line charts (a line per site, axes, a legend; colour AND a
// dash pattern tell sites apart), an MTTR-by-site bar chart for parity at a
// glance, each site's ratio to the best site and its trend (GET
// /api/v1/metrics/by-site, the same answer as `fedsoarctl metrics
// --by-site`), and the same numbers as tables (what a screen reader reads).

import * as api from './api.js';
import { el, fmtDuration, show, svg } from './dom.js';

const WINDOWS = ['24h', '7d', '30d', 'all'];
// metrics/by-site takes 1 to 366 days: "all" reads the last 366.
const BY_SITE_WINDOW = { '24h': '24h', '7d': '7d', '30d': '30d', all: '366d' };
const METRICS = [
  ['mtta_s', 'MTTA', 'mean time to acknowledge'],
  ['mttc_s', 'MTTC', 'mean time to contain'],
  ['mttr_s', 'MTTR', 'mean time to resolve'],
];
const COLOURS = ['#1f5fa8', '#b3261e', '#1e7a34', '#6a3d9a', '#8a5a00', '#00727a', '#5c5c5c', '#a0307a'];
const DASHES = [null, '7 4', '2 3', '10 3 2 3', '4 4', '1 2'];
const W = 640, H = 260, L = 70, R = 16, T = 14, B = 44;

function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function style(i) {
  return { stroke: COLOURS[i % COLOURS.length], 'stroke-dasharray': DASHES[i % DASHES.length] };
}

function axes(yMax, xLabels) {
  const g = svg('g', { class: 'fs-axes' });
  const ih = H - T - B, iw = W - L - R;
  for (let i = 0; i <= 4; i++) {
    const y = T + ih - (ih * i) / 4;
    g.append(svg('line', { x1: L, x2: W - R, y1: y, y2: y, stroke: i ? '#d0d0d0' : '#333', 'stroke-width': 1 }),
      svg('text', { x: L - 6, y: y + 4, 'text-anchor': 'end', 'font-size': 11, fill: '#222' }, fmtDuration((yMax * i) / 4)));
  }
  g.append(svg('line', { x1: L, x2: L, y1: T, y2: T + ih, stroke: '#333' }));
  const n = xLabels.length;
  const step = Math.max(1, Math.ceil(n / 8));
  xLabels.forEach((lab, i) => {
    if (i % step && i !== n - 1) return;
    const x = n === 1 ? L + iw / 2 : L + (iw * i) / (n - 1);
    g.append(svg('line', { x1: x, x2: x, y1: T + ih, y2: T + ih + 4, stroke: '#333' }),
      svg('text', { x, y: T + ih + 18, 'text-anchor': 'middle', 'font-size': 11, fill: '#222' }, lab.slice(5)));
  });
  g.append(svg('text', { x: L + iw / 2, y: H - 6, 'text-anchor': 'middle', 'font-size': 11, fill: '#222' }, 'day (UTC)'));
  return g;
}

// One metric over the days, a line per site.
function lineChart(key, label, long, days, sites, series) {
  const values = series.flatMap((d) => sites.map((s) => (d.per_site && d.per_site[s] ? d.per_site[s][key] : null)));
  const yMax = niceMax(Math.max(0, ...values.filter((v) => v !== null && v !== undefined)));
  const ih = H - T - B, iw = W - L - R;
  const xOf = (i) => (days.length === 1 ? L + iw / 2 : L + (iw * i) / (days.length - 1));
  const yOf = (v) => T + ih - (ih * v) / yMax;
  const plot = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'fs-chart', role: 'img', 'aria-labelledby': `fs-ch-${key}`, 'data-metric': key },
    svg('title', { id: `fs-ch-${key}` }, `${label} (${long}) per site per day; the table below has the numbers`),
    axes(yMax, days));
  sites.forEach((site, i) => {
    const pts = [];
    series.forEach((d, di) => {
      const v = d.per_site && d.per_site[site] ? d.per_site[site][key] : null;
      if (v !== null && v !== undefined) pts.push([xOf(di), yOf(v)]);
    });
    const st = style(i);
    if (pts.length > 1)
      plot.append(svg('polyline', { points: pts.map((p) => p.join(',')).join(' '), fill: 'none', 'stroke-width': 2, ...st, 'data-site': site }));
    for (const [x, y] of pts) plot.append(svg('circle', { cx: x, cy: y, r: 3.5, fill: st.stroke, 'data-site': site }));
  });
  const empty = !values.some((v) => v !== null && v !== undefined);
  return el('figure', { class: 'fs-figure' },
    el('figcaption', {}, el('strong', {}, label), ` — ${long}`, empty ? el('span', { class: 'fs-muted' }, ' (no case reached this point in the window)') : null),
    plot);
}

function legend(sites) {
  return el('ul', { class: 'fs-legend', 'aria-label': 'Sites' }, sites.map((s, i) => el('li', {},
    svg('svg', { width: 34, height: 12, 'aria-hidden': 'true' }, svg('line', { x1: 1, x2: 33, y1: 6, y2: 6, 'stroke-width': 3, ...style(i) })),
    ' ', s)));
}

// MTTR per site over the whole window: bars, with the spread between the
// fastest and slowest site (parity) in words.
function parity(perSite, sites, overall) {
  const vals = sites.map((s) => [s, perSite[s] ? perSite[s].mttr_s : null]);
  const known = vals.filter(([, v]) => v !== null && v !== undefined);
  const max = niceMax(Math.max(0, ...known.map(([, v]) => v)));
  const rowH = 26, w = W, h = T + rowH * sites.length + 24;
  const iw = w - 140 - R;
  const chart = svg('svg', { viewBox: `0 0 ${w} ${h}`, class: 'fs-chart fs-parity', role: 'img', 'aria-labelledby': 'fs-parity-t' },
    svg('title', { id: 'fs-parity-t' }, 'MTTR by site over the window'));
  vals.forEach(([s, v], i) => {
    const y = T + i * rowH;
    chart.append(svg('text', { x: 130, y: y + 15, 'text-anchor': 'end', 'font-size': 12, fill: '#222' }, s));
    if (v === null || v === undefined) {
      chart.append(svg('text', { x: 140, y: y + 15, 'font-size': 12, fill: '#555' }, 'no resolved case'));
      return;
    }
    chart.append(svg('rect', { x: 140, y, width: Math.max(2, (iw * v) / max), height: rowH - 8, fill: COLOURS[i % COLOURS.length], 'data-site': s }),
      svg('text', { x: 146 + (iw * v) / max, y: y + 15, 'font-size': 12, fill: '#222' }, fmtDuration(v)));
  });
  if (overall && overall.mttr_s !== null && overall.mttr_s !== undefined) {
    const x = 140 + (iw * overall.mttr_s) / max;
    chart.append(svg('line', { x1: x, x2: x, y1: T - 4, y2: T + rowH * sites.length, stroke: '#000', 'stroke-dasharray': '3 3' }),
      svg('text', { x, y: h - 6, 'text-anchor': 'middle', 'font-size': 11, fill: '#000' }, `all sites ${fmtDuration(overall.mttr_s)}`));
  }
  let words = 'No site has a resolved case in this window: MTTR parity cannot be judged yet.';
  if (known.length === 1) words = `Only ${known[0][0]} has resolved cases in this window.`;
  if (known.length > 1) {
    const sorted = [...known].sort((a, b) => a[1] - b[1]);
    const [fast, slow] = [sorted[0], sorted[sorted.length - 1]];
    const ratio = fast[1] > 0 ? slow[1] / fast[1] : Infinity;
    words = `Slowest ${slow[0]} (${fmtDuration(slow[1])}) is ${isFinite(ratio) ? ratio.toFixed(1) + '×' : 'far slower than'} the fastest ${fast[0]} (${fmtDuration(fast[1])}).`;
  }
  return el('figure', { class: 'fs-figure' },
    el('figcaption', {}, el('strong', {}, 'MTTR parity'), ' — mean time to resolve by site over the window'),
    chart, el('p', { id: 'fs-parity-words' }, words));
}

// Each site's mean over the best site's (x1.00 is the best) and the trend:
// the second half of the window against the first (negative: faster).
function ratioTable(b) {
  const metrics = [['mtta', 'MTTA'], ['mttc', 'MTTC'], ['mttr', 'MTTR']];
  const ratio = (v) => (v === null || v === undefined ? '—' : `×${v.toFixed(2)}`);
  const change = (t) => {
    const v = t ? t.change : null;
    if (v === null || v === undefined) return '—';
    const pct = Math.round(v * 100);
    return `${pct > 0 ? '+' : ''}${pct}% (${pct < 0 ? 'faster' : pct > 0 ? 'slower' : 'same'})`;
  };
  const best = metrics.map(([k, label]) => `${label} ${b.best && b.best[k] ? b.best[k] : '—'}`).join(', ');
  return el('div', {},
    el('table', { class: 'fs-table', id: 'fs-parity-table' },
      el('caption', {}, `Ratio to the best site and trend (${b.from} to ${b.to}; best: ${best})`),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Site'),
        metrics.flatMap(([, label]) => [el('th', { scope: 'col' }, `${label} vs best`), el('th', { scope: 'col' }, `${label} trend`)]))),
      el('tbody', {}, (b.sites || []).map((s) => el('tr', { 'data-site': s.site }, el('th', { scope: 'row' }, s.site),
        metrics.flatMap(([k]) => [el('td', { class: 'fs-num' }, ratio(s.ratio_to_best ? s.ratio_to_best[k] : null)),
          el('td', { class: 'fs-num' }, change(s.trend ? s.trend[k] : null))]))))),
    el('p', { class: 'fs-muted' }, 'For each metric the best site has the lowest mean over the window (×1.00); the trend compares the cases created in the second half of the window with the first. Recent cases count only if already resolved, so a young window looks faster than it will end up.'));
}

function summaryTable(m, sites) {
  const row = (name, x, th) => el('tr', {}, th ? el('th', { scope: 'row' }, name) : el('td', {}, name),
    el('td', { class: 'fs-num' }, String(x.cases ?? 0)), el('td', { class: 'fs-num' }, String(x.open_cases ?? 0)),
    el('td', { class: 'fs-num' }, String(x.alerts ?? 0)),
    METRICS.map(([k]) => el('td', { class: 'fs-num' }, fmtDuration(x[k]))));
  return el('table', { class: 'fs-table', id: 'fs-metrics-table' },
    el('caption', {}, `Over the window (${m.window})`),
    el('thead', {}, el('tr', {}, ['Site', 'Cases', 'Open', 'Alerts', 'MTTA', 'MTTC', 'MTTR'].map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, sites.map((s) => row(s, m.per_site[s] || {}, true)), m.overall ? row('all sites', m.overall, true) : null));
}

function seriesTable(series, sites) {
  return el('details', {}, el('summary', {}, 'The charts\' numbers, day by day'),
    el('table', { class: 'fs-table' },
      el('caption', {}, 'Per site per day'),
      el('thead', {}, el('tr', {}, ['Day', 'Site', 'Cases', 'MTTA', 'MTTC', 'MTTR'].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, series.flatMap((d) => sites.filter((s) => d.per_site && d.per_site[s]).map((s) => {
        const x = d.per_site[s];
        return el('tr', {}, el('td', {}, d.day), el('th', { scope: 'row' }, s), el('td', { class: 'fs-num' }, String(x.cases ?? 0)),
          METRICS.map(([k]) => el('td', { class: 'fs-num' }, fmtDuration(x[k]))));
      })))));
}

export async function renderMetrics(root, route) {
  const win = WINDOWS.includes(route.query.window) ? route.query.window : '7d';
  const select = el('select', { id: 'fs-window' }, WINDOWS.map((w) => el('option', { value: w, selected: w === win }, w)));
  select.addEventListener('change', () => (location.hash = `#/metrics?window=${select.value}`));
  const body = el('div', {}, el('p', { class: 'fs-muted' }, 'Loading…'));
  show(root, el('h2', {}, 'Response metrics'),
    el('form', { class: 'fs-inline' }, el('label', { for: 'fs-window' }, 'Window'), select), body);
  const [m, bySite] = await Promise.all([
    api.get('/metrics/response', { window: win }),
    // an older broker has no by-site route: the page works without it
    api.get('/metrics/by-site', { window: BY_SITE_WINDOW[win] }).catch(() => null),
  ]);
  const series = Array.isArray(m.series) ? m.series : [];
  const per = m.per_site || {};
  const sites = [...new Set([...Object.keys(per), ...series.flatMap((d) => Object.keys(d.per_site || {}))])].sort();
  if (!sites.length) {
    show(body, el('p', { class: 'fs-empty' }, 'No case in this window yet.'));
    return;
  }
  const days = series.map((d) => d.day);
  show(body,
    parity(per, sites, m.overall),
    bySite && Array.isArray(bySite.sites) && bySite.sites.length ? ratioTable(bySite) : null,
    legend(sites),
    el('div', { class: 'fs-charts' }, METRICS.map(([k, label, long]) => lineChart(k, label, long, days, sites, series))),
    summaryTable(m, sites),
    seriesTable(series, sites));
}

export default renderMetrics;
