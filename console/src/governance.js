// governance.js — the Governance page: playbook versions under review.
//
//   #/governance            versions in review first, then every playbook
//                           with where each version is live or in shadow
//   #/governance/VERSION    one version: the side-by-side diff with the live
//                           (or previous) version and its changed steps, the
//                           BPMN diagram with those steps highlighted, the
//                           shadow runs beside the live ones, approve or
//                           reject (signed in this tab, exactly the payload
//                           `fedsoarctl playbook approve` signs), activate
//                           per site (shadow first), roll back, retire.
//
// The list ends with the phased rollouts (rollout.js).
//
// Controls a role may not use are disabled with the reason; the broker
// refuses them anyway (broker/control.c's role table).

import * as api from './api.js';
import { el, fmtTime, show } from './dom.js';
import { renderDiagram } from './diagram.js';
import { governanceApprovalPayload } from './signing.js';
import { signerPicker } from './signer_picker.js';
import { rolloutsSection } from './rollout.js';

const short = (v) => String(v || '').slice(0, 12);
function errText(err) {
  if (!err) return 'unknown error';
  if (err.problem && err.problem.detail) return err.problem.detail;
  return err.message || String(err);
}
const me = (who) => String((who && who.actor) || '').replace(/^operator:/, '');
const enc = encodeURIComponent;

// ---- the list ------------------------------------------------------------------

function whereText(map) {
  const e = Object.entries(map || {});
  return e.length ? e.map(([s, v]) => s + ' ' + short(v)).join(', ') : '—';
}

async function renderList(root, notice) {
  show(root, el('h2', {}, 'Governance'), el('p', { 'aria-live': 'polite' }, 'Loading…'));
  let books;
  try {
    books = await api.get('/playbooks');
  } catch (err) {
    show(root, el('h2', {}, 'Governance'), el('p', { class: 'fs-error', role: 'alert' }, errText(err)));
    return;
  }
  books = Array.isArray(books) ? books : books.items || [];
  const histories = await Promise.all(books.map((b) => api.get('/playbooks/' + enc(b.name) + '/versions').catch(() => null)));
  const review = [];
  const rows = [];
  books.forEach((b, i) => {
    const h = histories[i];
    const versions = (h && h.versions) || [];
    for (const v of versions) {
      if (v.state === 'in_review') review.push({ b, v, quorum: h.quorum });
    }
    rows.push(el('tr', {}, [
      el('td', {}, el('code', {}, b.name)),
      el('td', {}, b.title || ''),
      el('td', {}, String(b.versions ?? versions.length)),
      el('td', {}, b.latest ? [el('a', { href: '#/governance/' + b.latest.version }, short(b.latest.version)), ' ' + b.latest.state] : '—'),
      el('td', {}, whereText(b.active)),
      el('td', {}, whereText(b.shadow)),
    ]));
  });
  show(
    root,
    el('h2', {}, 'Governance'),
    notice ? el('p', { class: 'gv-notice', role: 'status' }, notice) : null,
    el('section', { class: 'gv-gov-review' }, [
      el('h2', {}, 'In review (' + review.length + ')'),
      review.length
        ? el('ul', { class: 'gv-gov-cards' }, review.map(({ b, v, quorum }) => el('li', { class: 'gv-card' }, [
          el('h3', {}, [el('a', { href: '#/governance/' + v.version }, b.name + ' @ ' + short(v.version))]),
          el('p', {}, (v.title || '') + ' — submitted by ' + v.author + ' ' + fmtTime(v.submitted)),
          el('p', {}, (v.approvals_counted ?? (v.approvals || []).length) + ' of ' + (quorum ?? '?') + ' signature(s)'),
        ])))
        : el('p', { class: 'fs-muted' }, 'No version is waiting for review.'),
    ]),
    el('section', {}, [
      el('h2', {}, 'Playbooks'),
      el('table', { class: 'gv-table' }, [
        el('thead', {}, el('tr', {}, ['name', 'title', 'versions', 'latest', 'live at', 'shadow at'].map((h) => el('th', { scope: 'col' }, h)))),
        el('tbody', {}, rows),
      ]),
    ]),
  );
  // Phased rollouts (rollout.js): plans, criteria, proposals to sign, rollback plan.
  const who = await api.session().catch(() => null);
  root.append(await rolloutsSection(who, (msg) => renderList(root, msg)));
}

// ---- side-by-side diff -------------------------------------------------------------

// Unified diff text (playbooks/diff.c) -> rows [{l, r, kind}] for two columns.
export function sideBySide(text) {
  const rows = [];
  let dels = [];
  let adds = [];
  const flush = () => {
    const n = Math.max(dels.length, adds.length);
    for (let i = 0; i < n; i++) {
      rows.push({ l: dels[i] ?? null, r: adds[i] ?? null, kind: dels[i] !== undefined && adds[i] !== undefined ? 'change' : dels[i] !== undefined ? 'del' : 'add' });
    }
    dels = [];
    adds = [];
  };
  for (const line of String(text || '').split('\n')) {
    if (line.startsWith('---') || line.startsWith('+++')) continue;
    if (line.startsWith('@@')) {
      flush();
      rows.push({ l: line, r: line, kind: 'hunk' });
    } else if (line.startsWith('-')) dels.push(line.slice(1));
    else if (line.startsWith('+')) adds.push(line.slice(1));
    else if (line.length) {
      flush();
      rows.push({ l: line.slice(1), r: line.slice(1), kind: 'same' });
    }
  }
  flush();
  return rows;
}

function diffSection(diff, base, version) {
  const rows = sideBySide(diff.text);
  const steps = diff.steps || { added: [], removed: [], changed: [] };
  const stepList = (label, ids, cls) => ids.length
    ? el('li', {}, [label + ': ', ...ids.flatMap((id, i) => [i ? ', ' : '', el('code', { class: cls }, id)])]) : null;
  return el('section', { class: 'gv-gov-diff' }, [
    el('h3', {}, 'Changes from ' + short(base) + ' to ' + short(version)),
    el('ul', { class: 'gv-gov-steps' }, [
      stepList('changed steps', steps.changed, 'gv-changed-step'),
      stepList('added steps', steps.added, 'gv-added-step'),
      stepList('removed steps', steps.removed, 'gv-removed-step'),
      !steps.changed.length && !steps.added.length && !steps.removed.length ? el('li', {}, 'no step changed') : null,
    ]),
    el('table', { class: 'gv-diff' }, [
      el('caption', {}, 'Left: ' + short(base) + '; right: ' + short(version) + '. Removed lines are marked −, added +.'),
      el('thead', {}, el('tr', {}, [el('th', { scope: 'col' }, short(base)), el('th', { scope: 'col' }, short(version))])),
      el('tbody', {}, rows.map((r) => el('tr', { class: 'gv-diff-' + r.kind }, [
        el('td', { class: r.l === null ? 'gv-diff-empty' : (r.kind === 'del' || r.kind === 'change' ? 'gv-diff-del' : '') },
          r.l === null ? '' : ((r.kind === 'del' || r.kind === 'change') ? '− ' : '  ') + r.l),
        el('td', { class: r.r === null ? 'gv-diff-empty' : (r.kind === 'add' || r.kind === 'change' ? 'gv-diff-add' : '') },
          r.r === null ? '' : ((r.kind === 'add' || r.kind === 'change') ? '+ ' : '  ') + r.r),
      ]))),
    ]),
    diff.truncated ? el('p', { class: 'fs-muted' }, 'The list of changes was cut at 1000.') : null,
  ]);
}

// ---- shadow beside live --------------------------------------------------------------

function decisionText(d) {
  if (d.kind === 'command') {
    const target = typeof d.target === 'string' ? d.target : JSON.stringify(d.target || {});
    return 'command ' + (d.action || '') + ' ' + target + ' at ' + (d.site || '?');
  }
  if (d.kind === 'request') return 'request ' + (d.name || '') + ' at ' + (d.site || '?');
  if (d.kind === 'approval') return 'approval ' + (d.step || '') + ' (' + (d.role || '') + ')';
  if (d.kind === 'case') return 'case ' + JSON.stringify(d.fields || {});
  return JSON.stringify(d);
}

function comparisonSection(cmp) {
  const events = (cmp && cmp.events) || [];
  const list = (ds) => (ds && ds.length ? el('ul', {}, ds.map((d) => el('li', {}, decisionText(d)))) : el('span', { class: 'fs-muted' }, 'nothing'));
  return el('section', { class: 'gv-gov-compare' }, [
    el('h3', {}, 'Shadow beside live'),
    events.length
      ? el('table', { class: 'gv-table' }, [
        el('thead', {}, el('tr', {}, ['event', 'case', 'shadow (version, decisions)', 'live (version, decisions)', 'same?'].map((h) => el('th', { scope: 'col' }, h)))),
        el('tbody', {}, events.map((r) => el('tr', { class: r.same ? 'gv-same' : 'gv-differs' }, [
          el('td', {}, String(r.event_id)),
          el('td', {}, el('a', { href: '#/cases/' + r.case_id }, '#' + r.case_id)),
          el('td', {}, [el('code', {}, short(r.shadow && r.shadow.version)), ' ' + ((r.shadow && r.shadow.status) || ''), list(r.shadow && r.shadow.decisions)]),
          el('td', {}, r.live ? [el('code', {}, short(r.live.version)), ' ' + (r.live.status || ''), list(r.live.decisions)] : el('span', { class: 'fs-muted' }, 'no live run')),
          el('td', {}, r.same ? 'same' : 'differs'),
        ]))),
      ])
      : el('p', { class: 'fs-muted' }, 'No shadow run yet: activate a version in shadow at a site and let events arrive.'),
  ]);
}

// ---- approve / reject ------------------------------------------------------------------

function decideBlocker(rec, who) {
  if (rec.state !== 'in_review') return 'This version is ' + rec.state + ': only versions in review are signed.';
  if (!who) return 'Sign in to review.';
  if (who.kind === 'token') return 'An API token cannot sign: approvals are signed by a board member in a browser session or the CLI.';
  if (who.role !== 'approver' && who.role !== 'admin') return 'Signing a playbook needs role approver or admin (and board membership); you are ' + who.role + '.';
  if (who.board_member === false) return 'Signing a playbook needs a seat on the governance board (the broker config\'s governance.members); ' + me(who) + ' has none.';
  if (rec.author === me(who)) return 'You submitted this version; another board member must review it.';
  if ((rec.approvals || []).some((a) => a.member === me(who))) return 'You have already signed this version.';
  return null;
}

function decidePanel(rec, who, refresh) {
  const blocker = decideBlocker(rec, who);
  const reason = el('textarea', { id: 'gv-gov-reason', rows: '2', maxlength: '2000' });
  const picker = signerPicker();
  const out = el('p', { 'aria-live': 'polite', class: 'gv-gov-result' });
  const approve = el('button', { type: 'button', class: 'gv-button gv-approve' }, 'Approve');
  const reject = el('button', { type: 'button', class: 'gv-button gv-deny' }, 'Reject');
  const kids = [el('h3', {}, 'Review'),
    el('p', {}, (rec.approvals_counted ?? (rec.approvals || []).length) + ' valid signature(s) so far' +
      ((rec.approvals || []).length ? ': ' + rec.approvals.map((a) => a.member + ' ' + a.decision + ' ' + fmtTime(a.time)).join('; ') : ''))];
  if (rec.state !== 'in_review') {
    // Nothing to sign any more: the signatures and why, without the controls.
    kids.push(el('p', { class: 'gv-disabled-reason', id: 'gv-gov-blocker' }, blocker));
    return el('section', { class: 'gv-gov-decide' }, kids);
  }
  if (blocker) {
    approve.disabled = reject.disabled = true;
    kids.push(el('p', { class: 'gv-disabled-reason', id: 'gv-gov-blocker' }, blocker));
    approve.setAttribute('aria-describedby', 'gv-gov-blocker');
    reject.setAttribute('aria-describedby', 'gv-gov-blocker');
  }
  const cast = async (decision) => {
    out.classList.remove('fs-error');
    if (decision === 'reject' && !reason.value.trim()) {
      out.textContent = 'A rejection needs a reason.';
      out.classList.add('fs-error');
      reason.focus();
      return;
    }
    approve.disabled = reject.disabled = true;
    try {
      const payload = governanceApprovalPayload(rec.version, decision, me(who), Date.now());
      out.textContent = 'Signing…';
      const signature = await picker.sign(payload);
      const body = { payload, signature };
      if (reason.value.trim()) body.reason = reason.value.trim();
      out.textContent = 'Sending the signed ' + decision + '…';
      const r = await api.post('/playbook-versions/' + rec.version + '/approvals', body);
      refresh('Your signed ' + decision + ' was accepted: the version is now ' + (r.state || 'updated') + ' (' + (r.approvals_counted ?? '?') + ' valid signature(s)).');
    } catch (err) {
      out.textContent = 'Not accepted: ' + errText(err);
      out.classList.add('fs-error');
      approve.disabled = reject.disabled = !!blocker;
    }
  };
  approve.addEventListener('click', () => cast('approve'));
  reject.addEventListener('click', () => cast('reject'));
  kids.push(
    el('p', {}, [el('label', { for: 'gv-gov-reason' }, 'Reason (needed to reject)'), el('br'), reason]),
    picker.node,
    el('p', { class: 'gv-actions' }, [approve, ' ', reject]),
    out,
    el('p', { class: 'fs-muted' }, 'You sign {"decision","member","time","type":"fedsoar-approval/1","version"} here, as fedsoarctl playbook approve does; the broker checks it and never signs for you.'),
  );
  return el('section', { class: 'gv-gov-decide' }, kids);
}

// ---- activate / roll back / retire ----------------------------------------------------

function siteBlocker(who, site) {
  if (!who) return 'Sign in first.';
  if (who.role === 'admin') return null;
  if (who.role === 'site-admin' && who.site === site) return null;
  if (who.role === 'site-admin') return 'You administer site ' + who.site + ', not ' + site + '.';
  return 'Activating and rolling back need role site-admin (of the site) or admin; you are ' + who.role + '.';
}

function sitesSection(rec, book, sites, who, refresh) {
  const out = el('p', { 'aria-live': 'polite', class: 'gv-gov-site-result' });
  const act = async (label, path, body) => {
    out.classList.remove('fs-error');
    out.textContent = label + '…';
    try {
      await api.post(path, body);
      refresh(label + ': done.');
    } catch (err) {
      out.textContent = label + ' refused: ' + errText(err);
      out.classList.add('fs-error');
    }
  };
  const active = (book && book.active) || {};
  const shadow = (book && book.shadow) || {};
  const approved = rec.state === 'approved';
  const rows = sites.map((site) => {
    const blocker = siteBlocker(who, site);
    const isLive = active[site] === rec.version;
    const isShadow = shadow[site] === rec.version;
    const reasonId = 'gv-site-why-' + site;
    const bShadow = el('button', { type: 'button', class: 'gv-button', 'data-site': site, 'data-act': 'shadow' }, 'Activate in shadow');
    const bLive = el('button', { type: 'button', class: 'gv-button', 'data-site': site, 'data-act': 'live' }, 'Make live');
    const bBack = el('button', { type: 'button', class: 'gv-button gv-deny', 'data-site': site, 'data-act': 'rollback' }, 'Roll back');
    let why = blocker;
    if (!why && !approved) why = 'Only an approved version can be activated (this one is ' + rec.state + ').';
    bShadow.disabled = !!why || isShadow || isLive;
    bLive.disabled = !!why || isLive || !isShadow;
    bBack.disabled = !!blocker || !active[site];
    const notes = [];
    if (why) notes.push(why);
    else if (!isShadow && !isLive) notes.push('Shadow first: make it live once its shadow runs compare well.');
    if (!blocker && !active[site]) notes.push('Nothing live to roll back.');
    for (const b of [bShadow, bLive, bBack]) if (b.disabled && notes.length) b.setAttribute('aria-describedby', reasonId);
    bShadow.addEventListener('click', () => act('Shadow at ' + site, '/playbook-versions/' + rec.version + '/activations', { site, shadow: true }));
    bLive.addEventListener('click', () => act('Live at ' + site, '/playbook-versions/' + rec.version + '/activations', { site, shadow: false }));
    bBack.addEventListener('click', () => {
      if (confirm('Roll ' + rec.name + ' back at ' + site + ' to its previous approved version?')) {
        act('Rollback at ' + site, '/sites/' + enc(site) + '/rollback', { name: rec.name });
      }
    });
    return el('tr', { 'data-site': site }, [
      el('th', { scope: 'row' }, site),
      el('td', {}, active[site] ? [el('code', {}, short(active[site])), isLive ? ' (this version)' : ''] : '—'),
      el('td', {}, shadow[site] ? [el('code', {}, short(shadow[site])), isShadow ? ' (this version)' : ''] : '—'),
      el('td', {}, [bShadow, ' ', bLive, ' ', bBack, notes.length ? el('p', { class: 'gv-disabled-reason', id: reasonId }, notes.join(' ')) : null]),
    ]);
  });
  const retire = el('button', { type: 'button', class: 'gv-button gv-deny' }, 'Retire this version');
  let retireWhy = null;
  if (!who || who.role !== 'admin') retireWhy = 'Retiring needs role admin.';
  else if (rec.state !== 'approved') retireWhy = 'Only an approved version can be retired (this one is ' + rec.state + ').';
  else if (Object.values(active).includes(rec.version) || Object.values(shadow).includes(rec.version)) retireWhy = 'It is active somewhere: roll it back or replace it first.';
  retire.disabled = !!retireWhy;
  if (retireWhy) retire.setAttribute('aria-describedby', 'gv-retire-why');
  retire.addEventListener('click', () => {
    if (confirm('Retire ' + rec.name + ' @ ' + short(rec.version) + '? It can never be activated again.')) {
      act('Retire', '/playbook-versions/' + rec.version + '/retirement', {});
    }
  });
  return el('section', { class: 'gv-gov-sites' }, [
    el('h3', {}, 'Where it runs'),
    sites.length
      ? el('table', { class: 'gv-table' }, [
        el('thead', {}, el('tr', {}, ['site', 'live', 'shadow', 'actions'].map((h) => el('th', { scope: 'col' }, h)))),
        el('tbody', {}, rows),
      ])
      : el('p', { class: 'fs-muted' }, 'No site has connected yet.'),
    out,
    el('p', {}, [retire, retireWhy ? el('span', { class: 'gv-disabled-reason', id: 'gv-retire-why' }, ' ' + retireWhy) : null]),
  ]);
}

// ---- one version ---------------------------------------------------------------------

function pickBase(rec, history, book) {
  const live = Object.values((book && book.active) || {}).filter((v) => v !== rec.version);
  if (live.length) return live[0];
  const older = (history.versions || []).filter((v) => v.version !== rec.version && v.submitted <= rec.submitted);
  older.sort((a, b) => b.submitted - a.submitted);
  return older.length ? older[0].version : null;
}

async function renderOne(root, version, baseWanted, notice) {
  show(root, el('h2', {}, 'Playbook version ' + short(version)), el('p', { 'aria-live': 'polite' }, 'Loading…'));
  let rec;
  let who;
  try {
    [rec, who] = await Promise.all([api.get('/playbook-versions/' + enc(version)), api.session().catch(() => null)]);
  } catch (err) {
    show(root, el('h2', {}, 'Playbook version ' + short(version)), el('p', { class: 'fs-error', role: 'alert' }, errText(err)));
    return;
  }
  const [history, books, sitesAns, cmp] = await Promise.all([
    api.get('/playbooks/' + enc(rec.name) + '/versions').catch(() => ({ versions: [] })),
    api.get('/playbooks').catch(() => []),
    api.get('/sites').catch(() => ({})),
    api.get('/playbooks/' + enc(rec.name) + '/comparison').catch(() => null),
  ]);
  const book = (Array.isArray(books) ? books : books.items || []).find((b) => b.name === rec.name);
  const mine = (history.versions || []).find((v) => v.version === rec.version) || {};
  rec = { ...mine, ...rec, approvals: rec.approvals || mine.approvals, approvals_counted: mine.approvals_counted };
  const base = baseWanted || pickBase(rec, history, book);
  const diff = base ? await api.get('/playbook-versions/' + base + '/diff/' + rec.version).catch((err) => ({ error: errText(err) })) : null;
  const sites = Object.keys(sitesAns && typeof sitesAns === 'object' && !Array.isArray(sitesAns) ? (sitesAns.sites || sitesAns) : {})
    .filter((s) => /^[a-z0-9_-]{1,64}$/.test(s)).sort();

  const refresh = (msg) => renderOne(root, version, baseWanted, msg);
  const baseSelect = el('select', { id: 'gv-gov-base' }, (history.versions || []).filter((v) => v.version !== rec.version)
    .map((v) => el('option', { value: v.version, selected: v.version === base }, short(v.version) + ' ' + v.state)));
  baseSelect.addEventListener('change', () => renderOne(root, version, baseSelect.value));

  const diagramBox = el('div', { class: 'gv-gov-diagram' }, el('p', { class: 'fs-muted' }, 'Loading the diagram…'));
  show(
    root,
    el('p', {}, el('a', { href: '#/governance' }, '← governance')),
    notice ? el('p', { class: 'gv-notice', role: 'status' }, notice) : null,
    el('h2', {}, [rec.name + ' @ ' + short(rec.version) + ' ', el('span', { class: 'gv-badge gv-badge-' + rec.state }, rec.state)]),
    el('p', {}, (rec.title || '') + ' — submitted by ' + (rec.author || '?') + ' ' + fmtTime(rec.submitted) + (rec.origin ? ' from ' + rec.origin : '')),
    el('p', { class: 'gv-mono' }, 'version ' + rec.version),
    (history.versions || []).length > 1 ? el('p', {}, [el('label', { for: 'gv-gov-base' }, 'Compare with '), baseSelect]) : null,
    diff && !diff.error ? diffSection(diff, base, rec.version)
      : el('p', { class: diff ? 'fs-error' : 'fs-muted' }, diff ? 'The diff failed: ' + diff.error : 'The first version of this playbook: nothing to compare with.'),
    el('section', {}, [el('h3', {}, 'Diagram' + (diff && !diff.error ? ' (changed and added steps highlighted)' : '')), diagramBox]),
    comparisonSection(cmp),
    decidePanel(rec, who, refresh),
    sitesSection(rec, book, sites, who, refresh),
  );
  try {
    const xml = await api.getText('/playbook-versions/' + rec.version + '/bpmn');
    const steps = diff && !diff.error ? diff.steps || {} : {};
    await renderDiagram(diagramBox, xml, { changed: steps.changed || [], added: steps.added || [], label: rec.name + ' as BPMN' });
  } catch (err) {
    show(diagramBox, el('p', { class: 'fs-error' }, 'No diagram: ' + errText(err)));
  }
}

export async function renderGovernance(root, route) {
  const parts = route && Array.isArray(route.parts) ? route.parts
    : location.hash.replace(/^#\/?/, '').split('?')[0].split('/').filter(Boolean).map(decodeURIComponent);
  const version = parts[1] || (route && route.params && route.params.version) || null;
  if (version) return renderOne(root, version, null);
  return renderList(root);
}

export default renderGovernance;
