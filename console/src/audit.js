// audit.js — the Audit page: the log's verification (GET
// /api/v1/audit/verify: chain intact, checkpoints signed) and an export of
// every entry as NDJSON (GET /api/v1/audit/entries page by page, saved
// through a Blob URL made in this tab: nothing leaves the browser).

import * as api from './api.js';
import { el, show } from './dom.js';

function verifyView(v) {
  const ok = v.ok === true;
  const rows = [
    ['Result', ok ? 'intact' : 'BROKEN'],
    ['Authenticated (signed checkpoints)', v.authenticated === undefined ? '—' : v.authenticated ? 'yes' : 'no'],
    ['Entries', v.entries],
    ['Checkpoints', v.checkpoints],
    ['Last checkpoint at entry', v.last_checkpoint_seq],
    ['Entries after the last checkpoint', v.unsigned_tail],
    ['Head', v.head_seq ?? v.head],
    ['Witnesses', v.witnesses],
  ];
  return el('section', { 'aria-labelledby': 'fs-verify-h' },
    el('h3', { id: 'fs-verify-h' }, 'Verification'),
    el('p', { class: ok ? 'fs-ok' : 'fs-error', role: ok ? null : 'alert', id: 'fs-audit-result' },
      ok ? 'The audit log verifies: every entry chains to the one before.' : `The audit log does NOT verify${v.error ? ': ' + (typeof v.error === 'string' ? v.error : JSON.stringify(v.error)) : ''}`),
    el('dl', { class: 'fs-facts' }, rows.filter(([, x]) => x !== undefined && x !== null).flatMap(([k, x]) => [el('dt', {}, k), el('dd', {}, String(x))])),
    Array.isArray(v.warnings) && v.warnings.length
      ? el('ul', { class: 'fs-warnings', 'aria-label': 'Warnings' }, v.warnings.map((w) => el('li', {}, typeof w === 'string' ? w : JSON.stringify(w))))
      : null);
}

async function exportAll(progress) {
  const lines = [];
  let since = 0;
  for (;;) {
    const page = await api.get('/audit/entries', { since });
    const entries = page.entries || [];
    for (const e of entries) lines.push(JSON.stringify(e) + '\n');
    progress(lines.length);
    if (!entries.length || page.last === undefined || page.last <= since) break;
    since = page.last;
  }
  return lines;
}

export async function renderAudit(root) {
  const verifyBox = el('div', {}, el('p', { class: 'fs-muted' }, 'Verifying…'));
  const status = el('p', { role: 'status', 'aria-live': 'polite', id: 'fs-export-status' });
  const button = el('button', { type: 'button', class: 'fs-button fs-primary', id: 'fs-export' }, 'Export the audit log (NDJSON)');
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const lines = await exportAll((n) => (status.textContent = `${n} entries read…`));
      const url = URL.createObjectURL(new Blob(lines, { type: 'application/x-ndjson' }));
      const a = el('a', { href: url, download: `fedsoar-audit-${new Date().toISOString().slice(0, 10)}.ndjson`, hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
      status.textContent = `${lines.length} entries exported.`;
    } catch (err) {
      status.textContent = 'The export failed.';
      api.report(err, 'Audit export');
    } finally {
      button.disabled = false;
    }
  });
  show(root, el('h2', {}, 'Audit'), verifyBox,
    el('section', { 'aria-labelledby': 'fs-export-h' }, el('h3', { id: 'fs-export-h' }, 'Export'),
      el('p', {}, 'Every entry, one JSON object a line, as fedsoarctl audit export writes them.'), button, status));
  try {
    show(verifyBox, verifyView(await api.get('/audit/verify')));
  } catch (err) {
    show(verifyBox, el('p', { class: 'fs-error' }, err.status === 403 ? 'Only approvers and admins may read the audit log.' : 'The verification could not be read.'));
    if (err.status !== 403) api.report(err, 'Audit verify');
    button.disabled = err.status === 403;
  }
}

export default renderAudit;
