// diagram.js — a playbook's BPMN drawn with bpmn-js's NavigatedViewer, with
// step states and changed steps overlaid, and the same facts as a text
// list beside it (the picture alone is not accessible).
//
//   renderDiagram(container, bpmnXml, {states: {stepId: state}, changed: [stepId],
//                                      added: [stepId], label})
//     -> Promise<{viewer, missing: [stepId]}>
//
// The BPMN element ids are the playbook's step ids (playbooks/bpmn.c), so a
// run's step states and a diff's changed steps are marked by id. States:
// done, running, waiting, failed, skipped (anything else is shown in the
// list as it is, unmarked). bpmn-js is the vendor bundle the build copies
// (a global BpmnJS); it is loaded once, by a <script src> under the CSP's
// script-src 'self' (it needs no eval).

import { el, show } from './dom.js';

const VIEWER_SRC = '/assets/bpmn-navigated-viewer.production.min.js';
export const STATES = ['done', 'running', 'waiting', 'failed', 'skipped'];
const STATE_LABEL = {
  done: 'done',
  running: 'running',
  waiting: 'waiting',
  failed: 'failed',
  skipped: 'skipped',
  changed: 'changed in this version',
  added: 'added in this version',
};

let loading = null;

function loadViewer() {
  if (window.BpmnJS) return Promise.resolve(window.BpmnJS);
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = VIEWER_SRC;
      s.onload = () => (window.BpmnJS ? resolve(window.BpmnJS) : reject(new Error('bpmn-js did not load')));
      s.onerror = () => {
        loading = null;
        reject(new Error('bpmn-js could not be loaded from ' + VIEWER_SRC));
      };
      document.head.appendChild(s);
    });
  }
  return loading;
}

// Normalizes the engine's and the API's state words to the five above.
export function stateClass(state) {
  const s = String(state || '').toLowerCase();
  if (s === 'done' || s === 'completed' || s === 'ok' || s === 'succeeded') return 'done';
  if (s === 'run' || s === 'running' || s === 'sent' || s === 'retry') return 'running';
  if (s === 'wait' || s === 'waiting' || s === 'awaiting approval') return 'waiting';
  if (s === 'failed' || s === 'error' || s === 'denied' || s === 'timeout') return 'failed';
  if (s === 'skipped' || s === 'skip') return 'skipped';
  return null;
}

function legend(used) {
  const items = [...STATES, 'changed', 'added'].filter((k) => used.has(k));
  if (!items.length) return null;
  return el('ul', { class: 'gv-diagram-legend', 'aria-label': 'legend' },
    items.map((k) => el('li', {}, [el('span', { class: 'gv-swatch gv-swatch-' + k, 'aria-hidden': 'true' }), STATE_LABEL[k]])));
}

function textList(states, changed, added, known) {
  const rows = [];
  const ids = new Set([...Object.keys(states), ...changed, ...added]);
  for (const id of ids) {
    const parts = [];
    if (states[id] !== undefined) parts.push(String(states[id]));
    if (changed.includes(id)) parts.push('changed');
    if (added.includes(id)) parts.push('added');
    if (known && !known.has(id)) parts.push('not drawn');
    rows.push(el('li', { 'data-step': id }, [el('code', {}, id), ': ' + parts.join(', ')]));
  }
  if (!rows.length) return el('p', { class: 'fs-muted' }, 'No step states to show.');
  return el('ul', { class: 'gv-diagram-steps' }, rows);
}

export async function renderDiagram(container, bpmnXml, opts = {}) {
  const states = opts.states || {};
  const changed = opts.changed || [];
  const added = opts.added || [];
  show(container);
  container.classList.add('gv-diagram');
  const canvasBox = el('div', {
    class: 'gv-diagram-canvas',
    role: 'group',
    'aria-label': opts.label || 'playbook diagram (the same facts are listed beside it)',
  });
  const side = el('div', { class: 'gv-diagram-side' });
  container.append(canvasBox, side);

  const used = new Set();
  for (const v of Object.values(states)) {
    const c = stateClass(v);
    if (c) used.add(c);
  }
  if (changed.length) used.add('changed');
  if (added.length) used.add('added');

  let viewer = null;
  const missing = [];
  let known = null;
  try {
    const BpmnJS = await loadViewer();
    viewer = new BpmnJS({ container: canvasBox });
    await viewer.importXML(bpmnXml);
    const canvas = viewer.get('canvas');
    const registry = viewer.get('elementRegistry');
    known = new Set(registry.getAll().map((e) => e.id));
    canvas.zoom('fit-viewport');
    for (const [id, state] of Object.entries(states)) {
      const c = stateClass(state);
      if (!registry.get(id)) missing.push(id);
      else if (c) canvas.addMarker(id, 'gv-state-' + c);
    }
    for (const id of changed) {
      if (!registry.get(id)) missing.push(id);
      else canvas.addMarker(id, 'gv-changed');
    }
    for (const id of added) {
      if (!registry.get(id)) missing.push(id);
      else canvas.addMarker(id, 'gv-added');
    }
  } catch (err) {
    show(canvasBox, el('p', { class: 'fs-error', role: 'alert' },
      'The diagram could not be drawn: ' + (err && err.message ? err.message : err)));
  }
  const lg = legend(used);
  if (lg) side.append(lg);
  side.append(el('h4', {}, 'Steps'), textList(states, changed, added, known));
  return { viewer, missing };
}
