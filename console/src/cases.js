// cases.js — the Cases page: a table grouped by status in workflow order
// (new first), each group sorted by severity then recency, so an analyst
// reads the untouched, severe cases first. Filters (status, minimum
// severity, site, assignee, observable) live in the hash
// (#/cases?status=new&severity=4), so a filtered board is a link. Counts per
// status come from the answer's counts; "Load more" follows next_cursor;
// case.opened / case.updated from the stream add and refresh rows.

import * as api from './api.js';
import { el, fmtTime, severityTag, show, SEVERITY } from './dom.js';
import * as stream from './stream.js';

export const STATUSES = ['new', 'analysis', 'containment', 'eradication', 'recovery', 'closed'];
const FILTERS = ['status', 'severity', 'site', 'assignee', 'observable'];

function filtersOf(query) {
  const f = {};
  for (const k of FILTERS) if (query[k]) f[k] = query[k];
  return f;
}

function matches(c, f) {
  if (f.status && c.status !== f.status) return false;
  if (f.severity && Number(c.severity_id) < Number(f.severity)) return false;
  if (f.site && !(c.sites || []).includes(f.site)) return false;
  if (f.assignee && c.assignee !== f.assignee) return false;
  return true;
}

function filterForm(f) {
  const status = el('select', { id: 'f-status', name: 'status' },
    el('option', { value: '' }, 'any'),
    STATUSES.map((s) => el('option', { value: s, selected: f.status === s }, s)));
  const severity = el('select', { id: 'f-severity', name: 'severity' },
    el('option', { value: '' }, 'any'),
    SEVERITY.map((n, i) => el('option', { value: String(i), selected: f.severity === String(i) }, `${i} ${n} or higher`)));
  const field = (id, label, value, extra = {}) => [
    el('label', { for: id }, label),
    el('input', { id, name: id.slice(2), type: 'text', value: value || '', autocomplete: 'off', ...extra }),
  ];
  const form = el('form', { class: 'fs-filters', role: 'search', 'aria-label': 'Filter cases' },
    el('div', {}, el('label', { for: 'f-status' }, 'Status'), status),
    el('div', {}, el('label', { for: 'f-severity' }, 'Severity'), severity),
    el('div', {}, field('f-site', 'Site', f.site, { maxlength: '64' })),
    el('div', {}, field('f-assignee', 'Assignee', f.assignee, { maxlength: '128' })),
    el('div', {}, field('f-observable', 'Observable (IP, hash, user, host…)', f.observable, { maxlength: '512', spellcheck: 'false' })),
    el('div', { class: 'fs-filter-actions' },
      el('button', { type: 'submit', class: 'fs-button fs-primary' }, 'Apply'),
      el('a', { href: '#/cases', class: 'fs-button' }, 'Clear')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams();
    for (const k of FILTERS) {
      const v = form.elements[k].value.trim();
      if (v) q.set(k, v);
    }
    const s = q.toString();
    location.hash = '#/cases' + (s ? '?' + s : '');
  });
  return form;
}

function caseRow(c) {
  return el('tr', { 'data-case': String(c.id), 'data-status': c.status },
    el('td', {}, el('a', { href: `#/cases/${c.id}` }, `#${c.id}`)),
    el('td', { class: 'fs-title' }, el('a', { href: `#/cases/${c.id}` }, c.title || '(no title)')),
    el('td', {}, severityTag(c.severity_id)),
    el('td', {}, (c.sites || []).join(', ')),
    el('td', {}, c.assignee || el('span', { class: 'fs-muted' }, 'unassigned')),
    el('td', { class: 'fs-num' }, String(c.alert_count ?? '')),
    el('td', { class: 'fs-time' }, fmtTime(c.updated)));
}

function byUrgency(a, b) {
  return (b.severity_id - a.severity_id) || ((b.updated || 0) - (a.updated || 0)) || (b.id - a.id);
}

export async function renderCases(root, route) {
  const f = filtersOf(route.query || {});
  const cases = new Map(); // id -> summary
  let counts = {};
  let cursor = null;

  const countsBox = el('ul', { class: 'fs-counts', 'aria-label': 'Cases by status' });
  const board = el('div', { class: 'fs-board', 'aria-live': 'polite', 'aria-relevant': 'additions' });
  const more = el('button', { type: 'button', class: 'fs-button', hidden: true }, 'Load more');
  const summary = el('p', { class: 'fs-muted', id: 'fs-cases-summary' });
  show(root,
    el('h2', {}, 'Cases'),
    filterForm(f),
    countsBox,
    summary,
    board,
    el('p', {}, more));

  function drawCounts() {
    show(countsBox, STATUSES.map((s) =>
      el('li', { class: `fs-count fs-status-${s}` },
        el('a', { href: `#/cases?status=${s}` }, el('span', { class: 'fs-count-n' }, String(counts[s] ?? 0)), ' ', s))));
  }

  function draw() {
    const groups = STATUSES.filter((s) => !f.status || s === f.status);
    const list = [...cases.values()];
    show(board, groups.map((s) => {
      const rows = list.filter((c) => c.status === s).sort(byUrgency);
      if (!rows.length) return null;
      return el('table', { class: 'fs-table fs-cases', 'data-group': s },
        el('caption', {}, `${s} `, el('span', { class: 'fs-muted' }, `(${rows.length} shown of ${counts[s] ?? rows.length})`)),
        el('thead', {}, el('tr', {}, ['Case', 'Title', 'Severity', 'Sites', 'Assignee', 'Alerts', 'Updated'].map((h) => el('th', { scope: 'col' }, h)))),
        el('tbody', {}, rows.map(caseRow)));
    }));
    if (!cases.size) board.append(el('p', { class: 'fs-empty' }, 'No case matches these filters.'));
    summary.textContent = `${cases.size} case${cases.size === 1 ? '' : 's'} shown${Object.keys(f).length ? ' (filtered)' : ''}.`;
    more.hidden = !cursor;
  }

  async function load(next) {
    const page = await api.get('/cases', { ...f, limit: 100, cursor: next || undefined });
    for (const c of page.items || []) cases.set(c.id, c);
    counts = page.counts || counts;
    cursor = page.next_cursor;
    drawCounts();
    draw();
  }

  more.addEventListener('click', async () => {
    more.disabled = true;
    try {
      await load(cursor);
    } catch (err) {
      api.report(err, 'Load more cases');
    } finally {
      more.disabled = false;
    }
  });

  // Live: one case at a time, then the counts (debounced).
  let countsTimer = null;
  async function refreshCounts() {
    clearTimeout(countsTimer);
    countsTimer = setTimeout(async () => {
      try {
        const page = await api.get('/cases', { ...f, limit: 1 });
        counts = page.counts || counts;
        drawCounts();
        draw();
      } catch (err) {
        api.report(err, 'Case counts');
      }
    }, 300);
  }
  async function onCase(data) {
    const id = data && data.case_id;
    if (!id) return;
    try {
      const c = await api.get(`/cases/${id}`);
      const known = cases.has(id);
      // an observable filter is the broker's to apply: only rows shown already are refreshed
      if (matches(c, f) && (known || !f.observable)) cases.set(id, c);
      else if (known && !matches(c, f)) cases.delete(id);
      draw();
      const row = board.querySelector(`tr[data-case="${id}"]`);
      if (row) row.classList.add('fs-flash');
      refreshCounts();
    } catch (err) {
      if (err.status !== 403 && err.status !== 404) api.report(err, `Case ${id}`);
    }
  }
  route.onLeave(stream.subscribe('case.opened', onCase));
  route.onLeave(stream.subscribe('case.updated', onCase));
  route.onLeave(() => clearTimeout(countsTimer));

  await load(null);
}

export default renderCases;
