// sites.js — the Sites page (GET /api/v1/sites): each site's health and
// backlog, one capabilities matrix (every action × target any site offers,
// a column per site: the gaps between sites show at a glance), the
// connectors each site runs, and the gap report when the broker has one.

import * as api from './api.js';
import { el, fmtDuration, fmtTime, show } from './dom.js';
import * as stream from './stream.js';

function health(s) {
  const h = s.health || (s.connected ? 'ok' : 'down');
  return el('span', { class: `fs-badge fs-health-${String(h).replace(/[^a-z]/g, '')}` }, h);
}

function healthTable(names, sites) {
  return el('table', { class: 'fs-table fs-sites' },
    el('caption', {}, 'Health and backlog'),
    el('thead', {}, el('tr', {}, ['Site', 'Health', 'Connected', 'Last heartbeat', 'Events in', 'Dead letters', 'Backlog: commands', 'requests', 'outbox', 'Version'].map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, names.map((n) => {
      const s = sites[n];
      const b = s.backlog || {};
      const reasons = Array.isArray(s.health_reasons) ? s.health_reasons : [];
      return el('tr', { 'data-site': n },
        el('th', { scope: 'row' }, n),
        el('td', {}, health(s), reasons.length ? el('ul', { class: 'fs-reasons' }, reasons.map((r) => el('li', {}, typeof r === 'string' ? r : JSON.stringify(r)))) : null),
        el('td', {}, s.connected ? 'yes' : 'no'),
        el('td', {}, s.heartbeat_age_ms !== undefined ? `${fmtDuration(s.heartbeat_age_ms / 1000)} ago` : fmtTime(s.last_heartbeat)),
        el('td', { class: 'fs-num' }, String(s.events_received ?? 0)),
        el('td', { class: 'fs-num' }, String(s.dead_letters ?? 0)),
        el('td', { class: 'fs-num' }, String(b.commands ?? 0)),
        el('td', { class: 'fs-num' }, String(b.requests ?? 0)),
        el('td', { class: 'fs-num' }, String(b.outbox ?? s.outbox_backlog ?? 0)),
        el('td', {}, s.version || ''));
    })));
}

// Every (action, target) pair any site announced, a column per site.
function capabilityMatrix(names, sites) {
  const pairs = new Map(); // "action target" -> [action, target]
  for (const n of names) {
    const p = (sites[n].capabilities && sites[n].capabilities.pairs) || {};
    for (const [action, targets] of Object.entries(p))
      for (const t of targets || []) pairs.set(`${action} ${t}`, [action, t]);
  }
  const rows = [...pairs.values()].sort((a, b) => a[0].localeCompare(b[0]) || a[1].localeCompare(b[1]));
  if (!rows.length) return el('p', { class: 'fs-muted' }, 'No site announced OpenC2 capabilities.');
  const has = (n, a, t) => {
    const p = (sites[n].capabilities && sites[n].capabilities.pairs) || {};
    return (p[a] || []).includes(t);
  };
  return el('table', { class: 'fs-table fs-matrix' },
    el('caption', {}, 'OpenC2 capabilities: action × target per site'),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Action'), el('th', { scope: 'col' }, 'Target'), names.map((n) => el('th', { scope: 'col' }, n)))),
    el('tbody', {}, rows.map(([a, t]) => el('tr', {},
      el('th', { scope: 'row' }, a),
      el('td', { class: 'fs-mono' }, t),
      names.map((n) => has(n, a, t)
        ? el('td', { class: 'fs-yes' }, el('span', { 'aria-hidden': 'true' }, '✔ '), 'yes')
        : el('td', { class: 'fs-no' }, el('span', { 'aria-hidden': 'true' }, '✘ '), 'no'))))));
}

function connectors(names, sites) {
  return el('table', { class: 'fs-table' },
    el('caption', {}, 'Connectors'),
    el('thead', {}, el('tr', {}, ['Site', 'Kind', 'Name', 'Type'].map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, names.flatMap((n) => (sites[n].connectors || []).map((c) => el('tr', {},
      el('th', { scope: 'row' }, n), el('td', {}, c.kind || ''), el('td', {}, c.name || '—'), el('td', {}, c.type || ''))))));
}

function gaps(names, sites) {
  const with_ = names.filter((n) => sites[n].gaps || sites[n].gap_report);
  if (!with_.length) return null;
  return el('section', {}, el('h3', {}, 'Gap report'),
    with_.map((n) => el('div', {}, el('h4', {}, n), el('pre', { class: 'fs-code' }, JSON.stringify(sites[n].gaps || sites[n].gap_report, null, 2)))));
}

export async function renderSites(root, route) {
  async function load() {
    const sites = await api.get('/sites');
    const names = Object.keys(sites).sort();
    show(root,
      el('h2', {}, 'Sites'),
      names.length ? [healthTable(names, sites), capabilityMatrix(names, sites), connectors(names, sites), gaps(names, sites)]
        : el('p', { class: 'fs-empty' }, 'No site has connected yet.'));
  }
  const again = () => load().catch((err) => api.report(err, 'Sites'));
  route.onLeave(stream.subscribe('site.connected', again));
  route.onLeave(stream.subscribe('site.disconnected', again));
  await load();
}

export default renderSites;
