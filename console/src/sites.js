// sites.js — the Sites page (GET /api/v1/sites): each site's health and
// backlog, one capabilities matrix (every action × target any site offers,
// a column per site: the gaps between sites show at a glance), the
// connectors each site runs; then alert coverage per site and source
// (GET /api/v1/sites/coverage) and the capability gap analysis
// (GET /api/v1/sites/gap: the sites side by side, the playbook × site
// matrix, what to add where) — docs/mna-gap.md.

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

const list = (v) => (Array.isArray(v) && v.length ? v.join(', ') : '—');
const counts = (o) => {
  const e = Object.entries(o || {});
  return e.length ? e.map(([k, n]) => `${k} (${n})`).join(', ') : '—';
};
// A lag bucket's bound (docs/mna-gap.md); 86401 is the open top bucket.
const secs = (v) => (v === null || v === undefined ? '—' : v > 86400 ? '> 1 d' : `≤ ${fmtDuration(v)}`);

// Alert coverage: one row per site and source (expected vs flowing).
function coverage(cov) {
  const rows = [];
  for (const [site, s] of Object.entries(cov.sites || {}).sort())
    for (const [id, r] of Object.entries(s.sources || {}))
      rows.push(el('tr', { 'data-site': site, 'data-source': id, class: r.state === 'silent' ? 'fs-row-alert' : '' },
        el('th', { scope: 'row' }, site),
        el('td', { class: 'fs-mono' }, id),
        el('td', {}, r.expected ? 'yes' : 'no'),
        el('td', {}, el('span', { class: `fs-badge fs-cov-${r.state}` }, r.state),
          r.case_id ? [' ', el('a', { href: `#/cases/${r.case_id}` }, `case ${r.case_id}`)] : null),
        el('td', { class: 'fs-num' }, String(r.events ?? 0)),
        el('td', {}, r.last_event_age_s === null || r.last_event_age_s === undefined ? 'never' : `${fmtDuration(r.last_event_age_s)} ago`),
        el('td', { class: 'fs-num' }, Number(r.rate_per_min || 0).toFixed(2)),
        el('td', { class: 'fs-num' }, r.dead_letter_ratio === null || r.dead_letter_ratio === undefined ? '—' : `${(r.dead_letter_ratio * 100).toFixed(1)} %`),
        el('td', {}, secs(r.lag_p50_s)),
        el('td', {}, secs(r.lag_p95_s))));
  const summary = Object.entries(cov.sites || {}).sort().map(([n, s]) => `${n}: ${s.flowing} of ${s.expected} flowing`).join(' · ');
  return el('section', { 'aria-labelledby': 'fs-coverage-h' },
    el('h3', { id: 'fs-coverage-h' }, `Alert coverage (last ${cov.window_days} days)`),
    el('p', {}, summary || 'No site reports its sources yet.'),
    rows.length ? el('table', { class: 'fs-table fs-coverage' },
      el('caption', {}, 'Configured sources against what arrives; a silent source raises a health event'
        + (cov.silent_source_case ? ' and a case' : '')),
      el('thead', {}, el('tr', {}, ['Site', 'Source', 'Configured', 'State', 'Events', 'Last event', 'Rate /min', 'Dead letters', 'Lag p50', 'Lag p95'].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, rows)) : null);
}

// The gap analysis: the sites side by side, the playbook × site matrix, what to add where.
function gap(g) {
  const names = Object.keys(g.sites || {}).sort();
  const what = [
    ['Sources (events)', (s) => counts(s.sources)],
    ['OCSF classes', (s) => counts(s.classes)],
    ['ATT&CK techniques', (s) => counts(s.techniques)],
    ['OpenC2 pairs', (s) => list(s.openc2_pairs)],
    ['Actuators', (s) => list(s.actuators)],
    ['Analyzers', (s) => list(s.analyzers)],
    ['Responders', (s) => list(s.responders)],
    ['Playbooks active', (s) => list(s.playbooks && s.playbooks.active)],
    ['Playbooks in shadow', (s) => list(s.playbooks && s.playbooks.shadow)],
    ['Playbooks planned', (s) => list(s.playbooks && s.playbooks.planned)],
  ];
  const side = el('table', { class: 'fs-table fs-gap-sites' },
    el('caption', {}, `What each site has and produced (last ${g.window_days} days)`),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'What'), names.map((n) => el('th', { scope: 'col' }, n)))),
    el('tbody', {}, what.map(([label, f]) => el('tr', {}, el('th', { scope: 'row' }, label), names.map((n) => el('td', {}, f(g.sites[n])))))));
  const pbs = [...new Set((g.playbooks || []).map((r) => r.name))].sort();
  // A row's mode in words: "active", "shadow", "planned (in_review)", "document"...
  const mode = (r) => (r.stage ? `${r.mode} (${r.stage})` : r.mode || '');
  // A (playbook, site) may have several rows: the version active there and a newer one planned.
  const cell = (name, site) => {
    const rows = (g.playbooks || []).filter((x) => x.name === name && x.site === site);
    if (!rows.length) return el('td', { class: 'fs-muted' }, 'not here');
    return el('td', { class: rows.every((r) => r.runnable) ? 'fs-yes' : 'fs-no' }, rows.map((r) => el('div', { 'data-mode': r.mode },
      r.runnable
        ? [el('span', { 'aria-hidden': 'true' }, '✔ '), 'runs']
        : [el('span', { 'aria-hidden': 'true' }, '✘ '), 'missing: ', el('ul', { class: 'fs-reasons' }, r.missing.map((m) => el('li', {}, m)))],
      ' ', el('span', { class: `fs-badge fs-mode-${r.mode}`, title: `version ${(r.version || '').slice(0, 12)}` }, mode(r)))));
  };
  // Nothing checked is said as such: never "every playbook can run" over an empty set.
  const none = g.playbooks_from === 'directory'
    ? 'The playbook directory holds no playbook that runs at these sites: nothing was checked.'
    : 'No playbook is active, in shadow, in review or planned: nothing was checked.';
  const checked = g.checked ?? pbs.length;
  const matrix = pbs.length ? el('table', { class: 'fs-table fs-matrix fs-gap-matrix' },
    el('caption', {}, 'Playbook × alert site: can it run end to end? (with its mode: active, shadow, planned and its stage)'),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Playbook'), names.map((n) => el('th', { scope: 'col' }, `alert at ${n}`)))),
    el('tbody', {}, pbs.map((p) => el('tr', { 'data-playbook': p }, el('th', { scope: 'row' }, p), names.map((n) => cell(p, n))))))
    : el('p', { class: 'fs-gap-none' }, none);
  const recs = g.recommendations || [];
  const add = recs.length ? el('table', { class: 'fs-table fs-gap-add' },
    el('caption', {}, 'What to add where'),
    el('thead', {}, el('tr', {}, ['Site', 'Add', 'For playbooks', 'Already at', 'Provided there by'].map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, recs.map((r) => el('tr', {},
      el('th', { scope: 'row' }, r.site), el('td', { class: 'fs-mono' }, r.add), el('td', {}, list(r.playbooks)),
      el('td', {}, list(r.available_at)), el('td', {}, list(r.connector_types))))))
    : el('p', {}, checked > 0 ? 'Nothing to add: every playbook checked can run at every site it was checked for.' : none);
  return el('section', { 'aria-labelledby': 'fs-gap-h' }, el('h3', { id: 'fs-gap-h' }, 'Capability gap analysis'), side, matrix, add);
}

export async function renderSites(root, route) {
  async function load() {
    const [sites, cov, g] = await Promise.all([api.get('/sites'), api.get('/sites/coverage'), api.get('/sites/gap')]);
    const names = Object.keys(sites).sort();
    show(root,
      el('h2', {}, 'Sites'),
      names.length ? [healthTable(names, sites), capabilityMatrix(names, sites), connectors(names, sites), coverage(cov), gap(g)]
        : el('p', { class: 'fs-empty' }, 'No site has connected yet.'));
  }
  const again = () => load().catch((err) => api.report(err, 'Sites'));
  route.onLeave(stream.subscribe('site.connected', again));
  route.onLeave(stream.subscribe('site.disconnected', again));
  route.onLeave(stream.subscribe('site.source_silent', again));
  route.onLeave(stream.subscribe('site.source_flowing', again));
  await load();
}

export default renderSites;
