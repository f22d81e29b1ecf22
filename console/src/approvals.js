// approvals.js — the Approvals page.
//
//   #/approvals                 pending gates first (each: what will be done,
//                               where, why, on what evidence, the quorum so
//                               far), then every gate (status=all)
//   #/approvals/ID              one gate in full, with approve / deny, a
//                               comment and the signer (key file or passkey)
//   #/approvals/run/RUN/STEP    the gate a notification named by its run and
//                               step (a playbook's chat message is written
//                               before the gate has an id); resolved to
//                               #/approvals/ID
//
// Opening any of these decides nothing (issue 14 clause 6): a vote is only
// ever a POST made by the buttons, with a signature made in this tab over
// the exact vote_payloads text the broker gave (the broker never signs).

import * as api from './api.js';
import { el, fmtTime, show } from './dom.js';
import { signerPicker } from './signer_picker.js';
import * as stream from './stream.js';

const CONCURRENT_DETAILS = 20; // pending gates shown in full on the list


function errText(err) {
  if (!err) return 'unknown error';
  if (err.problem && err.problem.detail) return err.problem.detail;
  return err.message || String(err);
}

function json(v) {
  return el('pre', { class: 'gv-code' }, JSON.stringify(v, null, 2));
}

// The router's parts (app.js parseRoute), or the hash itself.
function partsOf(route) {
  if (route && Array.isArray(route.parts)) return route.parts;
  return location.hash.replace(/^#\/?/, '').split('?')[0].split('/').filter(Boolean).map(decodeURIComponent);
}

// ---- the pieces of one gate -------------------------------------------------

function sitesOf(ap) {
  const s = new Set();
  for (const fx of ap.effects || []) {
    for (const c of fx.commands || []) for (const x of c.sites || []) s.add(x);
    if (typeof fx.site === 'string') s.add(fx.site);
  }
  return [...s];
}

function effectItem(fx) {
  const head = [el('code', {}, fx.step || '?'), ' ', el('span', { class: 'gv-tag' }, fx.type || '')];
  if (fx.critical) head.push(' ', el('span', { class: 'gv-tag gv-tag-critical' }, 'critical'));
  if (fx.title) head.push(' ' + fx.title);
  if (fx.when) head.push(' ', el('em', {}, '(' + fx.when + ')'));
  const body = [];
  if (fx.type === 'openc2') {
    for (const c of fx.commands || []) {
      const where = c.refused
        ? 'refused: ' + c.refused.reason
        : (c.sites && c.sites.length ? 'to ' + c.sites.join(', ') : 'to no site');
      body.push(el('div', { class: 'gv-command' }, [
        json(c.command),
        el('p', {}, [where, c.route && c.route.reason ? ' — ' + c.route.reason : '']),
        c.rendered === false ? el('p', { class: 'fs-muted' }, 'Shown as the template: ' + (c.why || 'not known until the run gets there')) : null,
      ]));
    }
    if (fx.more) body.push(el('p', { class: 'fs-muted' }, String(fx.more)));
    if (fx.rendered === false && fx.command) body.push(json(fx.command), el('p', { class: 'fs-muted' }, fx.why || ''));
  } else if (fx.type === 'set') {
    body.push(el('p', {}, 'case change:'), json(fx.case));
  } else if (fx.type === 'enrich' || fx.type === 'action') {
    const who = fx.analyzer || fx.responder;
    body.push(el('p', {}, [(fx.type === 'enrich' ? 'analyzer ' : 'responder ') + (who || '?'),
      fx.site ? ' at ' + (typeof fx.site === 'string' ? fx.site : JSON.stringify(fx.site)) : '']));
  } else if (fx.type === 'approval') {
    body.push(el('p', {}, 'another approval: role ' + fx.role + ', quorum ' + (fx.quorum || 1)));
  } else if (fx.type === 'wait') {
    body.push(el('p', {}, 'wait ' + fx.duration));
  } else if (fx.type === 'playbook') {
    body.push(el('p', {}, 'sub-playbook ' + fx.name + (fx.why ? ' — ' + fx.why : '')));
  }
  return el('li', { class: 'gv-effect' }, [el('p', { class: 'gv-effect-head' }, head), ...body]);
}

function effectsSection(ap) {
  const fx = ap.effects || [];
  const items = fx.length ? el('ol', { class: 'gv-effects' }, fx.map(effectItem))
    : el('p', { class: 'fs-muted' }, ap.effects_note || 'Nothing after this gate.');
  return el('section', { class: 'gv-ap-what' }, [
    el('h3', {}, 'What will be done'),
    items,
    ap.effects_truncated ? el('p', { class: 'fs-muted' }, 'More steps follow than are shown.') : null,
    ap.effects_note && fx.length ? el('p', { class: 'fs-muted' }, ap.effects_note) : null,
  ]);
}

function whereSection(ap) {
  const s = sitesOf(ap);
  return el('section', { class: 'gv-ap-where' }, [
    el('h3', {}, 'Where'),
    el('p', {}, s.length ? s.join(', ') : 'no site named yet (see the commands)'),
  ]);
}

function whySection(ap) {
  const ev = ap.evidence || {};
  return el('section', { class: 'gv-ap-why' }, [
    el('h3', {}, 'Why'),
    el('p', { class: 'gv-reason' }, ap.reason || '(no reason given)'),
    el('p', {}, ['playbook ', el('code', {}, ap.playbook || '?'), ', step ', el('code', {}, ap.step || '?'),
      ', case ', el('a', { href: '#/cases/' + ap.case_id }, '#' + ap.case_id + (ev.title ? ' ' + ev.title : ''))]),
    el('p', {}, 'deadline ' + fmtTime(ap.deadline) + ' (then: ' + (ap.on_timeout || 'deny') + ')'),
  ]);
}

function evidenceSection(ap, full) {
  const ev = ap.evidence || {};
  const obs = ev.observables || [];
  const alerts = ev.alerts || [];
  const techniques = ev.attack_techniques || [];
  const kids = [el('h3', {}, 'Evidence'),
    el('p', {}, ['severity ' + (ev.severity_id ?? '?') + ', status ' + (ev.status || '?') +
      ', sites ' + ((ev.sites || []).join(', ') || '—') + ', ' + (ev.alert_count ?? alerts.length) + ' alert(s)'])];
  if (techniques.length) {
    kids.push(el('p', {}, ['ATT&CK: ', ...techniques.flatMap((t, i) => [i ? ', ' : '', el('code', {}, String(t))])]));
  }
  const shownObs = full ? obs : obs.slice(0, 6);
  if (obs.length) {
    kids.push(el('table', { class: 'gv-table' }, [
      el('caption', {}, 'Observables' + (shownObs.length < obs.length ? ' (' + shownObs.length + ' of ' + obs.length + ')' : '')),
      el('thead', {}, el('tr', {}, [el('th', { scope: 'col' }, 'type'), el('th', { scope: 'col' }, 'value')])),
      el('tbody', {}, shownObs.map((o) => el('tr', {}, [el('td', {}, o.type || String(o.type_id)), el('td', {}, el('code', {}, String(o.value)))]))),
    ]));
  }
  if (full && alerts.length) {
    kids.push(el('table', { class: 'gv-table' }, [
      el('caption', {}, 'Alerts'),
      el('thead', {}, el('tr', {}, ['time', 'site', 'source', 'title', 'severity'].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, alerts.map((a) => el('tr', {}, [fmtTime(a.time), a.site, a.source, a.title, String(a.severity_id ?? '')].map((v) => el('td', {}, v || ''))))),
    ]));
  }
  return el('section', { class: 'gv-ap-evidence' }, kids);
}

function quorumSection(ap) {
  const q = ap.quorum_state || { needed: ap.quorum, approvals: 0, votes: [] };
  const votes = q.votes || [];
  return el('section', { class: 'gv-ap-quorum' }, [
    el('h3', {}, 'Quorum'),
    el('p', {}, q.approvals + ' of ' + q.needed + ' approval(s) from role ' + (q.role || ap.role) + '; one deny closes the gate'),
    votes.length
      ? el('table', { class: 'gv-table' }, [
        el('thead', {}, el('tr', {}, ['who', 'role', 'decision', 'when', 'signed', 'comment'].map((h) => el('th', { scope: 'col' }, h)))),
        el('tbody', {}, votes.map((v) => el('tr', {}, [
          el('td', {}, v.operator || ''), el('td', {}, v.role || ''),
          el('td', {}, el('span', { class: 'gv-decision gv-decision-' + v.decision }, v.decision || '')),
          el('td', {}, fmtTime(v.time)), el('td', {}, v.signed ? 'signed' : 'unsigned'), el('td', {}, v.comment || ''),
        ]))),
      ])
      : el('p', { class: 'fs-muted' }, 'No votes yet.'),
  ]);
}

// Why this caller cannot vote here, or null. The broker decides anyway.
export function voteBlocker(ap, who) {
  if (ap.status !== 'open') return 'This gate is ' + ap.status + '.';
  if (!who) return 'Sign in to vote.';
  if (who.kind === 'token') return 'An API token cannot vote: votes are signed by an operator in a browser session or the CLI.';
  const need = (ap.quorum_state && ap.quorum_state.role) || ap.role;
  if (who.role !== need && who.role !== 'admin') return 'This gate needs role ' + need + '; you are ' + who.role + '.';
  const me = String(who.actor || '').replace(/^operator:/, '');
  if ((ap.votes || ap.quorum_state?.votes || []).some((v) => v.operator === me)) return 'You have already voted on this gate.';
  if (!ap.vote_payloads) return 'The broker gave no payload to sign.';
  return null;
}

function gateCard(ap) {
  const q = ap.quorum_state || {};
  return el('article', { class: 'gv-card gv-ap-card gv-ap-' + ap.status, 'data-approval': String(ap.id) }, [
    el('h3', {}, [el('a', { href: '#/approvals/' + ap.id }, 'Approval #' + ap.id), ' — ', ap.reason || ap.step]),
    el('p', { class: 'fs-muted' }, ap.status + ' · ' + (q.approvals ?? 0) + '/' + (q.needed ?? ap.quorum) +
      ' · role ' + ap.role + ' · deadline ' + fmtTime(ap.deadline)),
    el('div', { class: 'gv-ap-grid' }, [effectsSection(ap), whereSection(ap), whySection(ap), quorumSection(ap), evidenceSection(ap, false)]),
    el('p', {}, el('a', { href: '#/approvals/' + ap.id, class: 'gv-button' }, 'Review and decide')),
  ]);
}

// ---- the list ----------------------------------------------------------------

async function renderList(root) {
  show(root, el('h2', {}, 'Approvals'), el('p', { 'aria-live': 'polite' }, 'Loading…'));
  let pending;
  let all;
  try {
    [pending, all] = await Promise.all([api.get('/approvals?limit=100'), api.get('/approvals?status=all&limit=100')]);
  } catch (err) {
    show(root, el('h2', {}, 'Approvals'), el('p', { class: 'fs-error', role: 'alert' }, errText(err)));
    return;
  }
  const open = pending.items || [];
  const details = await Promise.all(open.slice(0, CONCURRENT_DETAILS).map((a) => api.get('/approvals/' + a.id).catch(() => a)));
  // Pending first here too: the open gates, then the decided ones, each newest first.
  const ordered = [...(all.items || [])].sort((a, b) =>
    (a.status === 'open' ? 0 : 1) - (b.status === 'open' ? 0 : 1) || (b.created || 0) - (a.created || 0) || b.id - a.id);
  const rows = ordered.map((a) => el('tr', { 'data-approval': String(a.id), 'data-status': a.status }, [
    el('td', {}, el('a', { href: '#/approvals/' + a.id }, '#' + a.id)),
    el('td', {}, a.status), el('td', {}, a.playbook || ''),
    el('td', {}, el('a', { href: '#/cases/' + a.case_id }, '#' + a.case_id)),
    el('td', {}, a.reason || ''),
    el('td', {}, (a.votes || []).filter((v) => v.decision === 'approve').length + '/' + a.quorum),
    el('td', {}, fmtTime(a.created)),
  ]));
  show(
    root,
    el('h2', {}, 'Approvals'),
    el('section', { class: 'gv-ap-pending' }, [
      el('h2', {}, 'Pending (' + open.length + ')'),
      open.length ? el('div', { class: 'gv-ap-cards' }, details.map(gateCard)) : el('p', { class: 'fs-muted' }, 'No gate is waiting.'),
      open.length > CONCURRENT_DETAILS ? el('p', { class: 'fs-muted' }, 'The first ' + CONCURRENT_DETAILS + ' are shown in full.') : null,
    ]),
    el('section', { class: 'gv-ap-all' }, [
      el('h2', {}, 'All gates'),
      el('table', { class: 'gv-table' }, [
        el('thead', {}, el('tr', {}, ['gate', 'status', 'playbook', 'case', 'reason', 'approvals', 'opened'].map((h) => el('th', { scope: 'col' }, h)))),
        el('tbody', {}, rows),
      ]),
      all.next_cursor ? el('p', { class: 'fs-muted' }, 'Newest 100 shown.') : null,
    ]),
  );
}

// ---- one gate ----------------------------------------------------------------

function decidePanel(ap, who, refresh) {
  const blocker = voteBlocker(ap, who);
  const comment = el('textarea', { id: 'gv-vote-comment', rows: '3', maxlength: '2000' });
  const picker = signerPicker();
  const out = el('p', { class: 'gv-vote-result', 'aria-live': 'polite' });
  const approve = el('button', { type: 'button', class: 'gv-button gv-approve', 'data-decision': 'approve' }, 'Approve');
  const deny = el('button', { type: 'button', class: 'gv-button gv-deny', 'data-decision': 'deny' }, 'Deny');
  const payloadBox = el('details', { class: 'gv-payload' }, [
    el('summary', {}, 'The exact text you sign'),
    el('pre', { class: 'gv-code' }, ap.vote_payloads ? ap.vote_payloads.approve : '—'),
  ]);
  const kids = [el('h3', {}, 'Decide')];
  if (ap.status !== 'open') {
    // A closed gate: nothing to sign, no controls.
    kids.push(el('p', { class: 'gv-disabled-reason', id: 'gv-vote-blocker' }, blocker));
    return el('section', { class: 'gv-ap-decide' }, kids);
  }
  if (blocker) {
    approve.disabled = true;
    deny.disabled = true;
    kids.push(el('p', { class: 'gv-disabled-reason', id: 'gv-vote-blocker' }, blocker));
    approve.setAttribute('aria-describedby', 'gv-vote-blocker');
    deny.setAttribute('aria-describedby', 'gv-vote-blocker');
  }
  const cast = async (decision) => {
    approve.disabled = true;
    deny.disabled = true;
    out.classList.remove('fs-error');
    out.textContent = 'Signing…';
    try {
      // Fresh payloads: their time must be within an hour of the broker's clock.
      const now = await api.get('/approvals/' + ap.id);
      const payload = now.vote_payloads && now.vote_payloads[decision];
      if (!payload) throw new Error('the gate is ' + now.status + ': nothing to sign');
      const signature = await picker.sign(payload);
      out.textContent = 'Sending the signed vote…';
      const body = { decision, payload, signature };
      if (comment.value.trim()) body.comment = comment.value.trim();
      const r = await api.post('/approvals/' + ap.id + '/votes', body);
      refresh('Your signed ' + decision + ' was counted; the gate is ' + (r.status || 'updated') + '.');
    } catch (err) {
      out.textContent = 'Not counted: ' + errText(err);
      out.classList.add('fs-error');
      approve.disabled = !!blocker;
      deny.disabled = !!blocker;
    }
  };
  approve.addEventListener('click', () => cast('approve'));
  deny.addEventListener('click', () => cast('deny'));
  kids.push(
    el('p', {}, [el('label', { for: 'gv-vote-comment' }, 'Comment (optional)'), el('br'), comment]),
    picker.node,
    el('p', { class: 'gv-actions' }, [approve, ' ', deny]),
    out,
    payloadBox,
    el('p', { class: 'fs-muted' }, 'The vote is signed here, in your browser; the broker only checks it, and the site checks it again before a critical command.'),
  );
  return el('section', { class: 'gv-ap-decide' }, kids);
}

async function renderOne(root, id, notice) {
  show(root, el('h2', {}, 'Approval #' + id), el('p', { 'aria-live': 'polite' }, 'Loading…'));
  let ap;
  let who = null;
  try {
    [ap, who] = await Promise.all([api.get('/approvals/' + encodeURIComponent(id)), api.session().catch(() => null)]);
  } catch (err) {
    show(root, el('h2', {}, 'Approval #' + id), el('p', { class: 'fs-error', role: 'alert' }, errText(err)));
    return;
  }
  const refresh = (msg) => renderOne(root, id, msg);
  show(
    root,
    el('p', {}, el('a', { href: '#/approvals' }, '← all approvals')),
    notice ? el('p', { class: 'gv-notice', role: 'status' }, notice) : null,
    el('h2', {}, ['Approval #' + ap.id + ' ', el('span', { class: 'gv-badge gv-badge-' + ap.status }, ap.status)]),
    el('p', { class: 'gv-reason gv-lead' }, ap.reason || ''),
    el('div', { class: 'gv-ap-grid gv-ap-full' }, [
      effectsSection(ap), whereSection(ap), whySection(ap), quorumSection(ap), evidenceSection(ap, true),
    ]),
    decidePanel(ap, who, refresh),
  );
}

async function resolveRunStep(root, run, step) {
  show(root, el('h2', {}, 'Approval'), el('p', { 'aria-live': 'polite' }, 'Finding the gate of run ' + run + '…'));
  for (let attempt = 0; attempt < 10; attempt++) {
    try {
      const all = await api.get('/approvals?status=all&limit=500');
      const hits = (all.items || []).filter((a) => String(a.run_id) === String(run) && (!step || a.step === step));
      const pick = hits.find((a) => a.status === 'open') || hits[0];
      if (pick) {
        location.replace('#/approvals/' + pick.id);
        return;
      }
    } catch (err) {
      show(root, el('h2', {}, 'Approval'), el('p', { class: 'fs-error', role: 'alert' }, errText(err)));
      return;
    }
    await new Promise((r) => setTimeout(r, 1000)); // the message may come before the gate opens
  }
  show(root, el('h2', {}, 'Approval'), el('p', { class: 'fs-error', role: 'alert' },
    'No gate ' + (step || '') + ' of run ' + run + ' is visible to you.'));
}

// Live: the list is redrawn (at most once a second) when a gate opens or is
// decided; an open gate's page says so with a button, so that a comment
// being typed is not lost.
function live(route, names, fn) {
  if (!route || typeof route.onLeave !== 'function') return;
  for (const name of names) route.onLeave(stream.subscribe(name, fn));
}

export async function renderApprovals(root, route) {
  const parts = partsOf(route);
  if (parts[1] === 'run' && parts[2]) return resolveRunStep(root, parts[2], parts[3]);
  const id = parts[1] || (route && route.params && route.params.id) || null;
  if (id) {
    live(route, ['approval.decided'], (data) => {
      if (!data || String(data.approval_id) !== String(id) || root.querySelector('.gv-ap-changed')) return;
      const reload = el('button', { type: 'button', class: 'gv-button' }, 'Show it');
      reload.addEventListener('click', () => renderOne(root, id));
      root.prepend(el('p', { class: 'gv-notice gv-ap-changed', role: 'status' },
        'This gate was just decided (' + (data.decision || 'closed') + '). ', reload));
    });
    return renderOne(root, id);
  }
  let pending = null;
  live(route, ['approval.requested', 'approval.decided'], () => {
    if (pending) return;
    pending = setTimeout(() => {
      pending = null;
      renderList(root);
    }, 1000);
  });
  if (route && typeof route.onLeave === 'function') route.onLeave(() => clearTimeout(pending));
  return renderList(root);
}

export default renderApprovals;
