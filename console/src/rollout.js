// rollout.js — the phased rollouts on the Governance page (docs/governance.md
// "Phased rollout"): every plan, per site its phase, the criteria of the next
// promotion as the broker measured them, the open proposals with a Sign
// button (the member signs the canonical fedsoar-promotion/1 payload in this
// tab, exactly what `fedsoarctl rollout sign` signs; the broker never signs
// for anyone), Propose (an admin or a board member; --override with a
// reason), Roll back (an admin, no quorum), and the rollback plan.
//
//   const node = await rolloutsSection(who, refresh);   // refresh(notice)

import * as api from './api.js';
import { el, fmtTime } from './dom.js';
import { signerPicker } from './signer_picker.js';

const short = (v) => String(v || '').slice(0, 12);
const enc = encodeURIComponent;
const me = (who) => String((who && who.actor) || '').replace(/^operator:/, '');
const PHASES = ['observe', 'shadow', 'supervised', 'automated'];
function errText(err) {
  if (!err) return 'unknown error';
  if (err.problem && err.problem.detail) return err.problem.detail;
  return err.message || String(err);
}

// Canonical JSON (sorted keys, compact) of the promotion payload: every
// value is a name ([a-z0-9_-]), a phase, a 64-hex version or an integer, so
// JSON.stringify of the sorted object is byte for byte fs_json_canonical's.
export function rolloutPromotionPayload(p) {
  const name = /^[a-z0-9_-]{1,64}$/;
  if (!name.test(p.playbook || '') || !name.test(p.site || '') || !/^[a-z0-9_-]{1,32}$/.test(p.member || '')) {
    throw new Error('playbook, site and member must be names');
  }
  const from = PHASES.indexOf(p.from);
  if (from < 0 || PHASES[from + 1] !== p.to) throw new Error('to must be the phase after from');
  if (!/^[0-9a-f]{64}$/.test(p.version || '')) throw new Error('the version must be the full 64-hex hash');
  return JSON.stringify({
    from: p.from,
    member: p.member,
    playbook: p.playbook,
    proposal: Math.trunc(Number(p.proposal)),
    site: p.site,
    time: Math.trunc(Number(p.time)),
    to: p.to,
    type: 'fedsoar-promotion/1',
    version: p.version,
  });
}

function valueText(v) {
  if (v === null || v === undefined) return '—';
  return typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(3) : String(v);
}

function criteriaList(st) {
  if (!st.next) return el('p', {}, 'Fully automated.');
  return el('ul', { class: 'gv-rollout-criteria' }, (st.criteria || []).map((c) => el('li', {}, [
    el('strong', { class: c.pass ? 'gv-pass' : 'gv-fail' }, c.pass ? 'pass' : 'FAIL'),
    ' ' + c.name + ' = ' + valueText(c.value) + ' (need ' + valueText(c.need) + ')' + (c.detail ? ' — ' + c.detail : ''),
  ])));
}

function proposeBlocker(who) {
  if (!who) return 'Sign in to propose.';
  if (who.role === 'admin') return null;
  if (who.role === 'approver' && who.board_member !== false) return null;
  return 'Proposing a promotion needs role admin, or a seat on the governance board; you are ' + who.role + '.';
}

function signBlocker(who, prop) {
  if (!who) return 'Sign in to sign.';
  if (who.kind === 'token') return 'An API token cannot sign: a board member signs in a browser session or with the CLI.';
  if (who.role !== 'approver' && who.role !== 'admin') return 'Signing a promotion needs a seat on the governance board; you are ' + who.role + '.';
  if (who.board_member === false) return me(who) + ' has no seat on the governance board (governance.members).';
  if ((prop.signatures || []).some((s) => s.member === me(who))) return 'You have already signed this proposal.';
  return null;
}

function siteRow(plan, site, who, refresh) {
  const st = (plan.status || {})[site] || {};
  const out = el('p', { 'aria-live': 'polite', class: 'gv-gov-result' });
  const override = el('input', { type: 'text', maxlength: '2000', placeholder: 'override reason (only if a criterion fails)', 'aria-label': 'Override reason for ' + site });
  const propose = el('button', { type: 'button', class: 'gv-button' }, 'Propose ' + (st.next || '—'));
  const rollback = el('button', { type: 'button', class: 'gv-button gv-deny' }, 'Roll back');
  const pb = proposeBlocker(who);
  propose.disabled = !st.next || !!pb;
  if (pb) propose.title = pb;
  rollback.disabled = !who || who.role !== 'admin' || st.phase === 'observe';
  rollback.title = 'Undo the latest promotion at ' + site + ' at once (an admin; no quorum)';
  propose.addEventListener('click', async () => {
    out.classList.remove('fs-error');
    try {
      const body = { site };
      if (override.value.trim()) body.override = override.value.trim();
      const r = await api.post('/rollouts/' + enc(plan.name) + '/proposals', body);
      refresh('Proposal ' + r.id + ' made: ' + site + ' ' + r.from + ' → ' + r.to + '; board members sign it below.');
    } catch (err) {
      out.textContent = 'Refused: ' + errText(err);
      out.classList.add('fs-error');
    }
  });
  rollback.addEventListener('click', async () => {
    out.classList.remove('fs-error');
    try {
      const r = await api.post('/rollouts/' + enc(plan.name) + '/rollback', { site });
      refresh(plan.name + ' at ' + site + ' rolled back from ' + r.from + ' to ' + r.to + '.');
    } catch (err) {
      out.textContent = 'Refused: ' + errText(err);
      out.classList.add('fs-error');
    }
  });
  return el('tr', {}, [
    el('th', { scope: 'row' }, site),
    el('td', {}, [el('strong', {}, st.phase || '?'), st.observed ? ' (' + st.observed + ' would-be trigger(s))' : '']),
    el('td', {}, st.next ? ['to ' + st.next + ': ', criteriaList(st)] : criteriaList(st)),
    el('td', {}, [propose, ' ', override, ' ', rollback, out]),
  ]);
}

function proposalCard(plan, prop, who, quorum, refresh) {
  const blocker = signBlocker(who, prop);
  const picker = signerPicker();
  const out = el('p', { 'aria-live': 'polite', class: 'gv-gov-result' });
  const sign = el('button', { type: 'button', class: 'gv-button gv-approve' }, 'Sign');
  if (blocker) {
    sign.disabled = true;
    sign.title = blocker;
  }
  sign.addEventListener('click', async () => {
    out.classList.remove('fs-error');
    sign.disabled = true;
    try {
      const payload = rolloutPromotionPayload({ playbook: plan.name, site: prop.site, from: prop.from, to: prop.to, version: prop.version, proposal: prop.id, member: me(who), time: Date.now() });
      out.textContent = 'Signing…';
      const signature = await picker.sign(payload);
      const r = await api.post('/rollouts/' + enc(plan.name) + '/signatures', { payload, signature });
      refresh('Your signature was accepted: ' + r.signatures + ' of ' + r.quorum + (r.proposal && r.proposal.status === 'effective' ? '; the promotion is in effect.' : '; waiting for the quorum.'));
    } catch (err) {
      out.textContent = 'Not accepted: ' + errText(err);
      out.classList.add('fs-error');
      sign.disabled = !!blocker;
    }
  });
  return el('li', { class: 'gv-card' }, [
    el('h4', {}, 'Proposal ' + prop.id + ': ' + prop.site + ' ' + prop.from + ' → ' + prop.to),
    el('p', {}, 'by ' + prop.by + ' ' + fmtTime(prop.created) + '; ' + (prop.signatures || []).length + ' of ' + (prop.quorum ?? quorum) + ' signature(s)' +
      ((prop.signatures || []).length ? ': ' + prop.signatures.map((s) => s.member).join(', ') : '') +
      (prop.override ? '; criteria overridden: ' + prop.override : '')),
    blocker ? el('p', { class: 'gv-disabled-reason' }, blocker) : picker.node,
    el('p', { class: 'gv-actions' }, [sign]),
    out,
  ]);
}

function rollbackPlan(plan) {
  const promos = (plan.promotions || []).slice().reverse();
  if (!promos.length) return el('p', { class: 'fs-muted' }, 'No promotion yet.');
  const vs = (v) => (v ? short(v) : '(none)');
  return el('ul', { class: 'gv-rollout-plan' }, promos.map((p) => {
    const b = p.before || {};
    const a = p.after || {};
    const bv = b.versions || {};
    const av = a.versions || {};
    return el('li', {}, p.site + ' proposal ' + p.proposal + ': ' + p.from + ' → ' + p.to + (p.rolled_back ? ' (rolled back)' : '') +
      ' — active ' + vs(bv.active) + ' → ' + vs(av.active) + ', shadow ' + vs(bv.shadow) + ' → ' + vs(av.shadow) +
      ', supervised ' + (b.supervised ? 'yes' : 'no') + ' → ' + (a.supervised ? 'yes' : 'no') +
      '; signed by ' + (p.signed_by || []).join(', ') + (p.override ? '; override: ' + p.override : ''));
  }));
}

export async function rolloutsSection(who, refresh) {
  let list;
  try {
    list = await api.get('/rollouts');
  } catch (err) {
    return el('section', { class: 'gv-rollouts' }, [el('h2', {}, 'Phased rollouts'), el('p', { class: 'fs-error' }, errText(err))]);
  }
  if (!list.configured) return el('section', { class: 'gv-rollouts' }, [el('h2', {}, 'Phased rollouts'), el('p', { class: 'fs-muted' }, 'Governance is off: no rollout.')]);
  const plans = await Promise.all((list.items || []).map((p) => api.get('/rollouts/' + enc(p.name)).catch((err) => ({ name: p.name, error: errText(err) }))));
  const kids = [el('h2', {}, 'Phased rollouts (' + plans.length + ')')];
  if (!plans.length) kids.push(el('p', { class: 'fs-muted' }, 'No rollout plan (fedsoarctl rollout plan NAME --sites A,B).'));
  for (const plan of plans) {
    if (plan.error) {
      kids.push(el('p', { class: 'fs-error' }, plan.name + ': ' + plan.error));
      continue;
    }
    const open = (plan.proposals || []).filter((p) => p.status === 'open');
    kids.push(el('section', { class: 'gv-rollout' }, [
      el('h3', {}, [el('code', {}, plan.name), ' @ ', el('a', { href: '#/governance/' + plan.version }, short(plan.version))]),
      el('table', { class: 'gv-table' }, [
        el('thead', {}, el('tr', {}, ['site', 'phase', 'next promotion', 'actions'].map((h) => el('th', { scope: 'col' }, h)))),
        el('tbody', {}, (plan.sites || []).map((s) => siteRow(plan, s, who, refresh))),
      ]),
      el('h4', {}, 'Open proposals (' + open.length + ')'),
      open.length ? el('ul', { class: 'gv-gov-cards' }, open.map((p) => proposalCard(plan, p, who, list.quorum, refresh))) : el('p', { class: 'fs-muted' }, 'None.'),
      el('h4', {}, 'Rollback plan'),
      rollbackPlan(plan),
    ]));
  }
  return el('section', { class: 'gv-rollouts' }, kids);
}
