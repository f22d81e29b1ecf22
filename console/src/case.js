// case.js — one case (#/cases/ID) and one run of a playbook (#/runs/ID).
//
// The case: its header (title, severity, status, sites, assignee) with the
// controls to assign, change the status and add a note (disabled, with the
// reason, for a role that may not: the API refuses anyway), its
// observables and ATT&CK techniques, its timeline (paginated, each kind as
// a readable line) and the runs of its playbooks. A run: each step's state
// drawn on the playbook's BPMN diagram (diagram.js), or listed when there is
// no diagram.

import * as api from './api.js';
import { el, fmtTime, severityTag, show } from './dom.js';
import * as stream from './stream.js';
import { STATUSES } from './cases.js';

const short = (v) => (v ? String(v).slice(0, 12) : '');
const compact = (v) => (typeof v === 'string' ? v : JSON.stringify(v));

// ---- the timeline ----------------------------------------------------------

function verdictOf(result) {
  const full = result && result.full;
  if (full && typeof full === 'object' && full.verdict) return ` — verdict ${full.verdict}`;
  return '';
}

function updatedLine(e) {
  const f = e.fields || {};
  const by = e.by ? ` by ${e.by}` : '';
  const parts = [];
  if (f.note !== undefined) return [el('strong', {}, `Note${by}: `), el('span', { class: 'fs-note' }, String(f.note))];
  if (f.status !== undefined) parts.push(`status → ${f.status}`);
  if (f.assignee !== undefined) parts.push(f.assignee === null ? 'unassigned' : `assigned to ${f.assignee}`);
  if (f.severity_id !== undefined) parts.push(`severity → ${f.severity_id}`);
  for (const [k, v] of Object.entries(f))
    if (!['status', 'assignee', 'severity_id'].includes(k)) parts.push(`${k} → ${compact(v)}`);
  return `Changed: ${parts.join(', ')}${by}`;
}

// One timeline entry as a line a person reads.
export function timelineLine(e) {
  const step = e.step ? ` (step ${e.step})` : '';
  switch (e.kind) {
    case 'opened':
      return `Case opened by an alert from ${e.site} (${e.source}): ${e.text || ''}`;
    case 'alert':
      return `Alert from ${e.site} (${e.source}): ${e.text || ''}`;
    case 'playbook':
      return [`Playbook ${e.playbook} started (version ${short(e.version)}) — `, el('a', { href: `#/runs/${e.run_id}` }, `run #${e.run_id}`)];
    case 'playbook_completed':
    case 'playbook_failed': // failed, denied (a gate said no), cancelled: the status says which
      return `Playbook ${e.playbook} ${e.status}${e.error ? ': ' + compact(e.error) : ''}`;
    case 'step':
      return `Step ${e.step} (${e.type}) ${e.what}${e.what === 'failed' && e.detail ? ': ' + compact(e.detail) : ''}`;
    case 'request':
      return `Asked ${e.site} to ${e.type} with ${e.name}${step}`;
    case 'result':
      return `${e.name} at ${e.site}: ${e.status}${verdictOf(e.result)}`;
    case 'command':
      return `OpenC2 ${e.action} ${compact(e.target)} sent to ${e.site}${step}${e.rule ? ', rule ' + e.rule : ''}`;
    case 'response':
      return `${e.site} answered ${e.status}${e.status_text ? ' ' + e.status_text : ''}`;
    case 'approval_requested':
      return [`Approval `, el('a', { href: `#/approvals/${e.approval_id}` }, `#${e.approval_id}`),
        ` requested${step} from role ${e.role}, quorum ${e.quorum}: ${e.reason || ''}`];
    case 'approval_vote':
      return `${e.operator} (${e.role}) voted ${e.decision}${e.signed ? ', signed' : ''} — ${e.approvals}/${e.quorum}${e.comment ? ': ' + e.comment : ''}`;
    case 'updated':
      return updatedLine(e);
    default: {
      const rest = { ...e };
      for (const k of ['time', 'kind', 'entry_id', 'run_id']) delete rest[k];
      return `${e.kind}: ${compact(rest)}`;
    }
  }
}

function timelineItem(e) {
  return el('li', { class: `fs-tl fs-tl-${String(e.kind).replace(/[^a-z_]/g, '')}`, 'data-kind': e.kind },
    el('time', { datetime: new Date(Number(e.time)).toISOString() }, fmtTime(e.time)),
    ' ',
    el('span', { class: 'fs-tl-kind' }, e.kind),
    ' ',
    el('span', { class: 'fs-tl-text' }, timelineLine(e)));
}

// ---- controls -------------------------------------------------------------

// What the person was typing or choosing in BOX (the controls drawn
// before), so that a redraw (the case changed: a live update, another
// analyst, the playbook) does not throw away a half-written note or an
// assignee being typed. Values equal to what was shown are not drafts.
function draftOf(box) {
  if (!box) return null;
  const d = {};
  const note = box.querySelector('#c-note');
  if (note && note.value) d.note = note.value;
  const assignee = box.querySelector('#c-assignee');
  if (assignee && assignee.value !== assignee.dataset.shown) d.assignee = assignee.value;
  const status = box.querySelector('#c-status');
  if (status && status.value !== status.dataset.shown) d.status = status.value;
  const f = document.activeElement;
  if (f && f.id && box.contains(f)) d.focus = f.id;
  return d;
}

function controls(c, who, reload, draft) {
  const allowed = api.canChangeCases(who);
  const why = allowed ? null : `Your role (${who && who.role}) cannot change cases: analyst, site-admin or admin may.`;
  const dis = allowed ? {} : { disabled: true, title: why, 'aria-describedby': 'fs-case-why' };
  const status = el('select', { id: 'c-status', ...dis }, STATUSES.map((s) => el('option', { value: s, selected: s === c.status }, s)));
  const assignee = el('input', { id: 'c-assignee', type: 'text', maxlength: '128', value: c.assignee || '', autocomplete: 'off', ...dis });
  const note = el('textarea', { id: 'c-note', rows: '3', maxlength: '10000', ...dis });
  status.dataset.shown = c.status || '';
  assignee.dataset.shown = c.assignee || '';
  if (draft && draft.status !== undefined) status.value = draft.status;
  if (draft && draft.assignee !== undefined) assignee.value = draft.assignee;
  if (draft && draft.note !== undefined) note.value = draft.note;
  const bStatus = el('button', { type: 'submit', class: 'fs-button', ...dis }, 'Set status');
  const bAssign = el('button', { type: 'submit', class: 'fs-button', ...dis }, 'Assign');
  const bMe = el('button', { type: 'button', class: 'fs-button', ...dis }, 'Assign to me');
  const bNote = el('button', { type: 'submit', class: 'fs-button fs-primary', ...dis }, 'Add note');

  async function act(what, fn) {
    try {
      await fn();
      await reload();
    } catch (err) {
      api.report(err, what);
    }
  }
  const fStatus = el('form', { class: 'fs-inline' }, el('label', { for: 'c-status' }, 'Status'), status, bStatus);
  fStatus.addEventListener('submit', (ev) => {
    ev.preventDefault();
    act('Set status', () => api.patch(`/cases/${c.id}`, { status: status.value }));
  });
  const fAssign = el('form', { class: 'fs-inline' }, el('label', { for: 'c-assignee' }, 'Assignee'), assignee, bAssign, bMe);
  fAssign.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const v = assignee.value.trim();
    act('Assign', () => api.patch(`/cases/${c.id}`, { assignee: v || null }));
  });
  bMe.addEventListener('click', () => {
    const me = who && who.actor ? who.actor.replace(/^(operator|token):/, '') : '';
    act('Assign to me', () => api.patch(`/cases/${c.id}`, { assignee: me }));
  });
  const fNote = el('form', { class: 'fs-note-form' }, el('label', { for: 'c-note' }, 'Note'), note, bNote);
  fNote.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const text = note.value.trim();
    if (!text) return;
    act('Add note', async () => {
      await api.post(`/cases/${c.id}/notes`, { text });
      note.value = '';
    });
  });
  return el('section', { class: 'fs-case-controls', 'aria-label': 'Change the case' },
    why ? el('p', { class: 'fs-disabled-reason', id: 'fs-case-why' }, why) : null,
    fStatus, fAssign, fNote);
}

// ---- observables and techniques -------------------------------------------

function observables(c) {
  const obs = Array.isArray(c.observables) ? c.observables : [];
  const attacks = Array.isArray(c.attacks) ? c.attacks : [];
  return el('section', { 'aria-labelledby': 'fs-obs-h' },
    el('h3', { id: 'fs-obs-h' }, 'Observables and ATT&CK techniques'),
    obs.length
      ? el('table', { class: 'fs-table' },
          el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Type'), el('th', { scope: 'col' }, 'Value'), el('th', { scope: 'col' }, 'Cases with it'))),
          el('tbody', {}, obs.map((o) => el('tr', {},
            el('td', {}, o.type || String(o.type_id)),
            el('td', { class: 'fs-mono' }, String(o.value)),
            el('td', {}, el('a', { href: `#/cases?observable=${encodeURIComponent(o.value)}` }, 'search'))))))
      : el('p', { class: 'fs-muted' }, 'No observables.'),
    attacks.length
      ? el('ul', { class: 'fs-attacks', 'aria-label': 'ATT&CK techniques' }, attacks.map((t) => el('li', {},
          el('code', {}, t), ' ',
          // outbound reference shown as text: the console fetches nothing from elsewhere
          el('span', { class: 'fs-muted' }, `attack.mitre.org/techniques/${String(t).replace('.', '/')}`))))
      : el('p', { class: 'fs-muted' }, 'No ATT&CK technique named by the alerts.'));
}

// ---- the page ----------------------------------------------------------------

export async function renderCase(root, route) {
  const id = route.params.id;
  if (!/^[0-9]{1,19}$/.test(id)) {
    show(root, el('h2', {}, 'Case'), el('p', { class: 'fs-error' }, 'A case id is a number.'));
    return;
  }
  const who = await api.session();
  const head = el('div');
  const obsBox = el('div');
  const runsBox = el('section', { 'aria-labelledby': 'fs-runs-h' });
  const tl = el('ol', { class: 'fs-timeline', reversed: false });
  const more = el('button', { type: 'button', class: 'fs-button', hidden: true }, 'Load more of the timeline');
  show(root, head, obsBox, runsBox,
    el('section', { 'aria-labelledby': 'fs-tl-h' }, el('h3', { id: 'fs-tl-h' }, 'Timeline'), tl, el('p', {}, more)));

  let cursor = null;
  async function loadTimeline(next) {
    const page = await api.get(`/cases/${id}/timeline`, { limit: 200, cursor: next || undefined });
    if (!next) tl.replaceChildren();
    for (const e of page.items || []) tl.append(timelineItem(e));
    cursor = page.next_cursor;
    more.hidden = !cursor;
  }
  more.addEventListener('click', () => loadTimeline(cursor).catch((err) => api.report(err, 'Timeline')));

  async function loadCase() {
    const c = await api.get(`/cases/${id}`);
    document.title = `fedsoar — case ${c.id}`;
    const draft = draftOf(head.querySelector('.fs-case-controls'));
    show(head,
      el('h2', {}, `Case #${c.id}: `, c.title || '(no title)'),
      el('dl', { class: 'fs-facts' },
        el('dt', {}, 'Severity'), el('dd', {}, severityTag(c.severity_id)),
        el('dt', {}, 'Status'), el('dd', {}, el('span', { class: `fs-badge fs-status-${c.status}` }, c.status)),
        el('dt', {}, 'Sites'), el('dd', {}, (c.sites || []).join(', ')),
        el('dt', {}, 'Assignee'), el('dd', {}, c.assignee || 'unassigned'),
        el('dt', {}, 'Alerts'), el('dd', {}, String(c.alert_count ?? (c.alerts || []).length)),
        el('dt', {}, 'Opened'), el('dd', {}, fmtTime(c.created)),
        el('dt', {}, 'Updated'), el('dd', {}, fmtTime(c.updated))),
      controls(c, who, reload, draft));
    if (draft && draft.focus) {
      const f = document.getElementById(draft.focus);
      if (f) f.focus();
    }
    show(obsBox, observables(c));
  }

  async function loadRuns() {
    const runs = await api.get('/runs', { case_id: id, limit: 100 });
    const items = runs.items || [];
    show(runsBox, el('h3', { id: 'fs-runs-h' }, 'Playbook runs'),
      items.length
        ? el('table', { class: 'fs-table' },
            el('thead', {}, el('tr', {}, ['Run', 'Playbook', 'Version', 'Status', 'Started'].map((h) => el('th', { scope: 'col' }, h)))),
            el('tbody', {}, items.map((r) => el('tr', {},
              el('td', {}, el('a', { href: `#/runs/${r.id}` }, `run #${r.id}`)),
              el('td', {}, r.playbook, r.shadow ? el('span', { class: 'fs-tag' }, ' shadow') : null),
              el('td', { class: 'fs-mono' }, short(r.version)),
              el('td', {}, r.status),
              el('td', { class: 'fs-time' }, fmtTime(r.started))))))
        : el('p', { class: 'fs-muted' }, 'No playbook ran on this case.'));
  }

  async function reload() {
    await Promise.all([loadCase(), loadTimeline(null), loadRuns()]);
  }
  route.onLeave(stream.subscribe('case.updated', (d) => {
    if (d && String(d.case_id) === String(id)) reload().catch((err) => api.report(err, `Case ${id}`));
  }));
  route.onLeave(stream.subscribe('run.completed', () => loadRuns().catch(() => {})));
  await reload();
}

// ---- a run ---------------------------------------------------------------------

const STATE_RANK = ['failed', 'handling_error', 'denied', 'running', 'waiting', 'retry_scheduled', 'pending', 'done'];

// The step a run path names in the playbook document: "N" is steps[N];
// after a step, "then"/"else" its branch, "bK" parallel branch K, "err" its
// on_error steps, a number the foreach body (per item), "sub" a
// sub-playbook (not in this document: undefined). Same grammar as the
// broker's (broker/approval_preview.c).
export function stepAtPath(doc, path) {
  let list = doc && doc.steps;
  let step;
  const segs = String(path).split('/');
  for (let i = 0; i < segs.length; i++) {
    if (!/^[0-9]+$/.test(segs[i]) || !Array.isArray(list)) return undefined;
    step = list[Number(segs[i])];
    if (!step) return undefined;
    const sel = segs[++i];
    if (sel === undefined) return step.id;
    if (sel === 'then' || sel === 'else') list = step[sel];
    else if (sel === 'err') list = step.on_error;
    else if (/^b[0-9]+$/.test(sel)) list = (step.branches || [])[Number(sel.slice(1))];
    else if (/^[0-9]+$/.test(sel)) list = step.steps;
    else return undefined;
  }
  return undefined;
}

// {stepId: state} from the run's step states (by path) and the case
// timeline's step entries (which name both path and step id).
export function statesByStep(stepStates, pathToStep) {
  const out = {};
  for (const s of stepStates || []) {
    const id = pathToStep.get(s.path);
    if (!id) continue;
    const prev = out[id];
    if (!prev || STATE_RANK.indexOf(s.state) < STATE_RANK.indexOf(prev)) out[id] = s.state;
  }
  return out;
}

export async function renderRun(root, route) {
  const id = route.params.id;
  if (!/^[0-9]{1,19}$/.test(id || '')) {
    show(root, el('h2', {}, 'Run'), el('p', { class: 'fs-error' }, 'A run id is a number.'));
    return;
  }
  const run = await api.get(`/runs/${id}`);
  const pathToStep = new Map();
  // Every path from the version's document (steps that write no timeline
  // line, set and foreach among them, included); the timeline then adds
  // what the document cannot say (steps of a sub-playbook).
  try {
    const ver = await api.get(`/playbook-versions/${encodeURIComponent(run.version)}`);
    for (const st of run.step_states || []) {
      const stepId = stepAtPath(ver.doc, st.path);
      if (stepId) pathToStep.set(String(st.path), stepId);
    }
  } catch {
    // a broker without governance keeps no versions to read: the timeline alone
  }
  if (run.case_id) {
    try {
      let cursor;
      do {
        const page = await api.get(`/cases/${run.case_id}/timeline`, { limit: 500, cursor });
        for (const e of page.items || [])
          if (String(e.run_id) === String(id) && e.path !== undefined && e.step && !pathToStep.has(String(e.path)))
            pathToStep.set(String(e.path), e.step);
        cursor = page.next_cursor;
      } while (cursor);
    } catch (err) {
      api.report(err, 'The run\'s steps');
    }
  }
  const states = statesByStep(run.step_states, pathToStep);
  const diagramBox = el('div', { class: 'fs-run-diagram' });
  const rows = (run.step_states || []).map((s) => el('tr', { 'data-path': s.path, 'data-state': s.state },
    el('td', { class: 'fs-mono' }, s.path),
    el('td', {}, pathToStep.get(s.path) || '—'),
    el('td', {}, el('span', { class: `fs-badge fs-state-${s.state}` }, s.state)),
    el('td', {}, s.attempt === null || s.attempt === undefined ? '' : String(s.attempt)),
    el('td', { class: 'fs-time' }, fmtTime(s.started)),
    el('td', {}, s.error ? compact(s.error) : s.approval_id ? el('a', { href: `#/approvals/${s.approval_id}` }, `approval #${s.approval_id}`) : '')));
  show(root,
    el('h2', {}, `Run #${run.id}: ${run.playbook}`),
    el('dl', { class: 'fs-facts' },
      el('dt', {}, 'Case'), el('dd', {}, run.case_id ? el('a', { href: `#/cases/${run.case_id}` }, `#${run.case_id}`) : '—'),
      el('dt', {}, 'Version'), el('dd', { class: 'fs-mono' }, short(run.version)),
      el('dt', {}, 'Status'), el('dd', {}, run.status),
      el('dt', {}, 'Shadow'), el('dd', {}, run.shadow ? 'yes (nothing was enforced)' : 'no'),
      el('dt', {}, 'Started'), el('dd', {}, fmtTime(run.started))),
    el('h3', {}, 'The playbook with its steps\' states'),
    diagramBox,
    el('h3', {}, 'Steps'),
    el('table', { class: 'fs-table fs-steps' },
      el('thead', {}, el('tr', {}, ['Path', 'Step', 'State', 'Attempt', 'Started', 'Detail'].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, rows)));

  // The diagram: diagram.js draws the BPMN export with the states on it.
  try {
    const xml = await api.getText(`/playbook-versions/${encodeURIComponent(run.version)}/bpmn`);
    const { renderDiagram } = await import('./diagram.js');
    await renderDiagram(diagramBox, xml, { states, changed: [], label: `${run.playbook} as BPMN, with run #${run.id}'s step states` });
  } catch (err) {
    show(diagramBox,
      el('p', { class: 'fs-muted' }, `No diagram for this version (${err.status === 404 ? 'the broker has no BPMN for it' : err.message}); the steps' states:`),
      el('ul', { class: 'fs-step-list' }, Object.entries(states).map(([step, state]) =>
        el('li', {}, el('code', {}, step), ': ', el('span', { class: `fs-badge fs-state-${state}` }, state)))));
  }
}

export default renderCase;
