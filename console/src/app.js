// app.js — the console's shell: header (who, role, live indicator,
// sign-out), navigation, the status area where every API error is shown,
// and the hash router that loads each page's module.
//
//   #/cases  #/cases/ID  #/runs/ID  #/sites  #/metrics  #/audit
//   #/approvals[/ID]  #/governance[/VERSION]  #/enroll/NONCE (approvals.js,
//   governance.js, enroll.js: the signing pages)

import * as api from './api.js';
import { el, show } from './dom.js';
import * as stream from './stream.js';

// Route table: first path segment -> module, export, parameter name.
const PAGES = {
  cases: { module: './cases.js', fn: 'renderCases', title: 'Cases' },
  runs: { module: './case.js', fn: 'renderRun', title: 'Run', param: 'id' },
  sites: { module: './sites.js', fn: 'renderSites', title: 'Sites' },
  metrics: { module: './metrics.js', fn: 'renderMetrics', title: 'Metrics' },
  audit: { module: './audit.js', fn: 'renderAudit', title: 'Audit' },
  approvals: { module: './approvals.js', fn: 'renderApprovals', title: 'Approvals', param: 'id' },
  governance: { module: './governance.js', fn: 'renderGovernance', title: 'Governance', param: 'version' },
  enroll: { module: './enroll.js', fn: 'renderEnroll', title: 'Enroll a passkey', param: 'nonce', public: true },
};
const NAV = ['cases', 'approvals', 'governance', 'sites', 'metrics', 'audit'];

const $ = (id) => document.getElementById(id);
let leaving = [];
let generation = 0;

// ---- status area: errors and notices -------------------------------------

function showProblem({ what, problem }) {
  const box = $('fs-problems');
  const fields = Array.isArray(problem.errors) ? problem.errors : [];
  const item = el(
    'div',
    { class: 'fs-problem', role: 'alert' },
    el('p', {}, el('strong', {}, `${what ? what + ': ' : ''}${problem.title || 'Error'}`),
      problem.status ? ` (${problem.status})` : '', problem.detail ? ` — ${problem.detail}` : ''),
    fields.length
      ? el('ul', { class: 'fs-problem-fields' },
          fields.map((f) => el('li', {}, el('code', {}, f.pointer !== undefined ? `body ${f.pointer || '(whole body)'}` : `parameter ${f.parameter}`), `: ${f.detail}`)))
      : null,
    el('button', { type: 'button', class: 'fs-button fs-small', onclick: () => item.remove() }, 'Dismiss'),
  );
  box.prepend(item);
  while (box.children.length > 5) box.lastElementChild.remove();
}

export function notice(text) {
  show($('fs-notice'), text);
}

api.on('problem', showProblem);

// ---- header ----------------------------------------------------------------

function renderHeader(who) {
  const live = el('span', { class: 'fs-live fs-live-off', id: 'fs-live', title: 'live updates (server-sent events)' }, 'offline');
  stream.onState((s) => {
    live.className = `fs-live fs-live-${s}`;
    live.textContent = s === 'live' ? 'live' : s === 'connecting' ? 'reconnecting…' : 'offline';
  });
  const signOut = el('button', { type: 'button', class: 'fs-button', id: 'fs-signout' }, 'Sign out');
  signOut.addEventListener('click', async () => {
    try {
      await api.signOut();
      stream.stop();
      renderSignedOut('You are signed out.');
    } catch (err) {
      api.report(err, 'Sign out');
    }
  });
  show(
    $('fs-who'),
    el('span', { class: 'fs-operator' }, 'Signed in as ', el('strong', { id: 'fs-actor' }, who.actor)),
    ' ',
    el('span', { class: 'fs-role', id: 'fs-role' }, `role ${who.role || 'none'}${who.site ? ' at ' + who.site : ''}`),
    ' ',
    live,
    ' ',
    who.kind === 'session' ? signOut : null,
  );
  show(
    $('fs-nav-list'),
    NAV.map((p) => el('li', {}, el('a', { href: `#/${p}`, 'data-page': p }, PAGES[p].title))),
  );
}

// The page a signed-out visitor asked for (an approval link from a chat
// message, say) is kept for this tab, so that the console opens on it once
// the one-time link's "Continue" brings the tab back to "/". Only a route
// of this console is kept: a hash, never a URL.
const RETURN_KEY = 'fs-return-route';
const RETURNABLE = /^#\/[A-Za-z0-9_./?=&%-]{1,512}$/;

function keepReturnRoute() {
  const h = location.hash;
  if (!RETURNABLE.test(h) || h === '#/cases') return null;
  try {
    sessionStorage.setItem(RETURN_KEY, h);
  } catch {
    return null; // storage refused (private mode): the visitor opens the link again
  }
  return h;
}

function takeReturnRoute() {
  let h = null;
  try {
    h = sessionStorage.getItem(RETURN_KEY);
    sessionStorage.removeItem(RETURN_KEY);
  } catch {
    return null;
  }
  return h && RETURNABLE.test(h) ? h : null;
}

function renderSignedOut(lead) {
  show($('fs-who'));
  show($('fs-nav-list'));
  document.title = 'fedsoar — sign in';
  const back = keepReturnRoute();
  show(
    $('fs-view'),
    el('h2', {}, 'Sign in'),
    el('p', {}, lead),
    back ? el('p', { id: 'fs-return' }, 'After you sign in in this tab, the console opens ', el('code', {}, back), '.') : null,
    el('p', {}, 'The console has no password. With your operator key, ask the broker for a one-time link:'),
    el('pre', { class: 'fs-code' }, 'fedsoarctl login --web'),
    el('p', {}, 'Open the link it prints (valid 60 seconds, once) in this browser, confirm with "Sign in", then "Continue".'),
    el('p', { class: 'fs-muted' }, 'A session ends after 8 hours without use, or at once with fedsoarctl sessions revoke.'),
  );
}

// ---- router ------------------------------------------------------------------

function parseRoute() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, qs] = raw.split('?');
  const parts = path.split('/').filter(Boolean).map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
  const query = Object.fromEntries(new URLSearchParams(qs || ''));
  const name = parts[0] || 'cases';
  const page = PAGES[name];
  const params = {};
  if (page && page.param && parts[1]) params[page.param] = parts[1];
  if (name === 'cases' && parts[1]) params.id = parts[1];
  return { name, page, parts, params, query };
}

async function route() {
  // "#fs-view" (the skip link) is an anchor, not a page
  if (location.hash && !location.hash.startsWith('#/')) return;
  const my = ++generation;
  for (const fn of leaving) fn();
  leaving = [];
  show($('fs-notice'));
  const r = parseRoute();
  r.onLeave = (fn) => leaving.push(fn);
  const view = $('fs-view');
  for (const a of document.querySelectorAll('#fs-nav-list a')) {
    if (a.dataset.page === r.name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (!r.page) {
    show(view, el('h2', {}, 'Not found'), el('p', {}, 'No such page. ', el('a', { href: '#/cases' }, 'Go to the cases.')));
    return;
  }
  let module = r.page.module;
  let fn = r.page.fn;
  if (r.name === 'cases' && r.params.id) {
    module = './case.js';
    fn = 'renderCase';
  }
  if (!r.page.public) {
    try {
      await api.session();
    } catch (err) {
      if (err.status === 401) return renderSignedOut('You are not signed in (or your session ended).');
      api.report(err, 'Who am I');
      return;
    }
  }
  document.title = `fedsoar — ${r.page.title}`;
  show(view, el('p', { class: 'fs-muted' }, 'Loading…'));
  try {
    const mod = await import(module);
    if (my !== generation) return;
    const render = mod[fn] || mod.default;
    if (typeof render !== 'function') throw new Error(`${module} has no ${fn}`);
    // Each visit draws into a container of its own: a page left while it
    // still awaits its answers draws into a detached element, never over
    // the page that replaced it.
    const page = el('div', { class: 'fs-page' });
    view.replaceChildren(page);
    await render(page, r);
    const h = page.querySelector('h2');
    if (h && document.activeElement === document.body) h.setAttribute('tabindex', '-1');
  } catch (err) {
    if (my !== generation) return;
    if (err && err.status === 401) return renderSignedOut('Your session ended.');
    show(view, el('h2', {}, r.page.title), el('p', { class: 'fs-error' }, 'This page could not be shown.'));
    api.report(err, r.page.title);
  }
}

async function start() {
  api.on('unauthorized', () => {
    stream.stop();
  });
  window.addEventListener('hashchange', route);
  // "/" is where the sign-in's Continue leads: back to the page asked for.
  if (!location.hash) history.replaceState(null, '', takeReturnRoute() || '#/cases');
  const r = parseRoute();
  if (!(r.page && r.page.public)) {
    try {
      const who = await api.session();
      renderHeader(who);
      stream.start();
    } catch (err) {
      if (err.status !== 401) api.report(err, 'Who am I');
    }
  }
  await route();
}

start();
