// Issue 14.2 (Cases, Case): what an analyst relies on, through the UI.
// The board's filters (status, severity, site, assignee) and the search by
// observable filter it: the cases that should vanish vanish and the counts
// per status become the filtered ones. On a case page ana assigns, sets the
// status and adds a note, and each shows on the timeline and in the API;
// an endpoint-compromise case shows its enrichment results as lines.
import {
  test, expect, env, signIn, checkPage, openRoute, apiOk, waitFor, postBetaAlert, caseWith, gateFor,
} from './helpers.mjs';

const STATUSES = ['new', 'analysis', 'containment', 'eradication', 'recovery', 'closed'];
const row = (page, id) => page.locator(`.fs-board tr[data-case="${id}"]`);

// Applies FILTERS through the form (as a person does), waits for the board
// to be the one of that query, and checks the counts are the API's for it.
async function applyFilters(page, filters) {
  await openRoute(page, '/cases');
  await expect(page.locator('#fs-cases-summary')).toHaveText(/shown/);
  const form = page.getByRole('search', { name: 'Filter cases' });
  if (filters.status) await form.getByLabel('Status').selectOption(filters.status);
  if (filters.severity) await form.getByLabel('Severity').selectOption(String(filters.severity));
  if (filters.site) await form.getByLabel('Site').fill(filters.site);
  if (filters.assignee) await form.getByLabel('Assignee').fill(filters.assignee);
  if (filters.observable) await form.getByLabel(/^Observable/).fill(filters.observable);
  await form.getByRole('button', { name: 'Apply' }).click();
  const q = new URLSearchParams(Object.entries(filters).map(([k, v]) => [k, String(v)]));
  await expect(page).toHaveURL(new RegExp(`#/cases\\?${q.toString().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
  const api = await apiOk('GET', `/cases?${q}&limit=100`);
  // How many the board shows is the filtered number; the counts per status
  // are the broker's for every case (casestore's aggregates), the API's.
  await expect(page.locator('#fs-cases-summary')).toHaveText(
    `${api.items.length} case${api.items.length === 1 ? '' : 's'} shown (filtered).`);
  const counts = page.getByRole('list', { name: 'Cases by status' });
  for (const s of STATUSES) {
    await expect(counts.getByRole('link', { name: `${api.counts[s] ?? 0} ${s}`, exact: true }), `count of ${s} under ${q}`).toBeVisible();
  }
  return api;
}

test('the board filters and the observable search; assign, status and a note on a case', async ({ page }, testInfo) => {
  test.setTimeout(240_000);
  const tag = String(Date.now() % 1e7);
  // Two cases of their own at beta (no playbook runs for T1082), one High, one Low.
  const hi = await postBetaAlert(`cs-hi-${tag}`, `h${tag}`, { technique: 'T1082', severity: 'High', title: `Board test high ${tag}` });
  const lo = await postBetaAlert(`cs-lo-${tag}`, `l${tag}`, { technique: 'T1082', severity: 'Low', title: `Board test low ${tag}` });
  const X = await caseWith(hi.host);
  const Y = await caseWith(lo.host);
  expect(X.id).not.toBe(Y.id);
  expect(X.severity_id, 'High is more severe than Low').toBeGreaterThan(Y.severity_id);
  const alphaCase = (await apiOk('GET', '/cases?site=alpha&limit=100')).items
    .find((c) => c.title.startsWith('PowerShell launched a remote payload'));
  expect(alphaCase, 'the case of the alert alpha replayed').toBeTruthy();
  const all = await apiOk('GET', '/cases?limit=100');

  await signIn(page, 'ana', testInfo);
  await openRoute(page, '/cases');
  for (const c of [X, Y, alphaCase]) await expect(row(page, c.id)).toBeVisible();

  // ---- the case page: assign, status, note, each on the timeline and in the API
  await openRoute(page, `/cases/${X.id}`);
  await expect(page.getByRole('heading', { name: `Case #${X.id}: ${hi.title}` })).toBeVisible();
  const facts = page.locator('dl.fs-facts').first();
  const fact = (name) => facts.locator('dt', { hasText: new RegExp(`^${name}$`) }).locator('xpath=following-sibling::dd[1]');
  const assignee = `owner-${tag}`;
  await page.locator('#c-assignee').fill(assignee);
  await page.getByRole('button', { name: 'Assign', exact: true }).click();
  await expect(fact('Assignee')).toHaveText(assignee);
  const before = (await apiOk('GET', '/cases?limit=1')).counts;
  expect(X.status).toBe('new');
  await page.locator('#c-status').selectOption('recovery');
  await page.getByRole('button', { name: 'Set status' }).click();
  await expect(fact('Status')).toHaveText('recovery');
  const noteText = `Called the owner of ${hi.host}: the binary is a test tool (${tag})`;
  await page.getByLabel('Note', { exact: true }).fill(noteText);
  // While ana writes, the case changes elsewhere (the API raises its
  // severity): the page redraws it live and keeps her half-written note.
  const sevShown = await fact('Severity').textContent();
  await apiOk('PATCH', `/cases/${X.id}`, { severity_id: X.severity_id === 5 ? 6 : 5 });
  await expect(fact('Severity')).not.toHaveText(sevShown);
  await expect(page.getByLabel('Note', { exact: true }), 'the note being written survives a live update').toHaveValue(noteText);
  await page.getByRole('button', { name: 'Add note' }).click();
  await expect(page.getByLabel('Note', { exact: true })).toHaveValue('');

  const after = await apiOk('GET', `/cases/${X.id}`);
  expect(after.assignee).toBe(assignee);
  expect(after.status).toBe('recovery');
  const tlX = (await apiOk('GET', `/cases/${X.id}/timeline?limit=500`)).items;
  const upd = tlX.filter((e) => e.kind === 'updated');
  const byAna = (e) => String(e.by || '').includes('ana');
  const eAssign = upd.find((e) => e.fields && e.fields.assignee === assignee);
  const eStatus = upd.find((e) => e.fields && e.fields.status === 'recovery');
  const eNote = upd.find((e) => e.fields && e.fields.note === noteText);
  expect(eAssign, `the assignment on the API's timeline: ${JSON.stringify(upd)}`).toBeTruthy();
  expect(eStatus, 'the status change on the API timeline').toBeTruthy();
  expect(eNote, 'the note on the API timeline').toBeTruthy();
  for (const e of [eAssign, eStatus, eNote]) expect(byAna(e), `made by ana: ${JSON.stringify(e)}`).toBe(true);
  const timeline = page.getByRole('list').filter({ has: page.locator('li.fs-tl') });
  await expect(timeline.locator('li[data-kind="updated"]').filter({ hasText: `assigned to ${assignee} by ${eAssign.by}` })).toHaveCount(1);
  await expect(timeline.locator('li[data-kind="updated"]').filter({ hasText: `status → recovery by ${eStatus.by}` })).toHaveCount(1);
  await expect(timeline.locator('li[data-kind="updated"]').filter({ hasText: `Note by ${eNote.by}: ${noteText}` })).toHaveCount(1);
  await checkPage(page, testInfo, 'case-assigned-status-note');

  // The board's counts moved with it: one fewer new, one more in recovery.
  await openRoute(page, '/cases');
  const counts = page.getByRole('list', { name: 'Cases by status' });
  await expect(counts.getByRole('link', { name: `${before.new - 1} new`, exact: true })).toBeVisible();
  await expect(counts.getByRole('link', { name: `${(before.recovery ?? 0) + 1} recovery`, exact: true })).toBeVisible();
  await expect(row(page, X.id)).toHaveAttribute('data-status', 'recovery');
  await expect(row(page, X.id).locator('xpath=ancestor::table[1]')).toHaveAttribute('data-group', 'recovery');

  // ---- the board's filters
  // site: alpha's case stays, beta's two vanish.
  let api = await applyFilters(page, { site: 'alpha' });
  await expect(row(page, alphaCase.id)).toBeVisible();
  await expect(row(page, X.id)).toHaveCount(0);
  await expect(row(page, Y.id)).toHaveCount(0);
  expect(api.items.every((c) => c.sites.includes('alpha'))).toBe(true);
  expect(api.items.length, 'fewer cases at alpha than in all').toBeLessThan(all.items.length);
  await checkPage(page, testInfo, 'cases-filter-site');

  // severity: at least X's, so the Low one vanishes.
  api = await applyFilters(page, { severity: X.severity_id, site: 'beta' });
  await expect(row(page, X.id)).toBeVisible();
  await expect(row(page, Y.id)).toHaveCount(0);
  await expect(row(page, alphaCase.id)).toHaveCount(0);

  // status: X was set to recovery, Y was not.
  api = await applyFilters(page, { status: 'recovery' });
  await expect(row(page, X.id)).toBeVisible();
  await expect(row(page, Y.id)).toHaveCount(0);
  await expect(page.locator('.fs-board table')).toHaveCount(1); // only the recovery group
  await expect(page.locator('.fs-board table[data-group="recovery"]')).toBeVisible();

  // assignee: only X has this one.
  api = await applyFilters(page, { assignee });
  expect(api.items.map((c) => c.id)).toEqual([X.id]);
  await expect(page.locator('.fs-board tr[data-case]')).toHaveCount(1);
  await expect(row(page, X.id)).toBeVisible();
  expect(api.counts.recovery).toBe(1);
  await checkPage(page, testInfo, 'cases-filter-assignee');

  // search by observable: Y's host finds Y alone.
  api = await applyFilters(page, { observable: lo.host });
  expect(api.items.map((c) => c.id)).toEqual([Y.id]);
  await expect(page.locator('.fs-board tr[data-case]')).toHaveCount(1);
  await expect(row(page, Y.id)).toBeVisible();
  await checkPage(page, testInfo, 'cases-search-observable');
  // ... and the case page's observable links lead to the same search.
  await openRoute(page, `/cases/${Y.id}`);
  await page.getByRole('row').filter({ hasText: lo.host }).getByRole('link', { name: 'search' }).click();
  await expect(page.locator('.fs-board tr[data-case]')).toHaveCount(1);
  await expect(row(page, Y.id)).toBeVisible();

  // Clear: all of them again.
  await page.getByRole('link', { name: 'Clear' }).click();
  for (const c of [X, Y, alphaCase]) await expect(row(page, c.id)).toBeVisible();
});

test('an endpoint-compromise case: its enrichment results are lines of the timeline', async ({ page }, testInfo) => {
  const tag = String(Date.now() % 1e7);
  const alert = await postBetaAlert(`cs-en-${tag}`, `e${tag}`);
  const gate = await gateFor(alert.host, 90); // the enrichment steps come before the gate
  const tl = await waitFor('three enrichment results on the case', 60, async () => {
    const items = (await apiOk('GET', `/cases/${gate.case_id}/timeline?limit=500`)).items;
    return items.filter((e) => e.kind === 'result').length >= 3 ? items : null;
  });
  const results = tl.filter((e) => e.kind === 'result');
  expect(results.map((e) => `${e.name} at ${e.site}`)).toEqual(expect.arrayContaining(
    ['host-context at beta', 'threat-intel at hq', 'ioc-search at beta']));
  await signIn(page, 'ana', testInfo);
  await openRoute(page, `/cases/${gate.case_id}`);
  const lines = page.locator('li.fs-tl[data-kind="result"]');
  await expect(lines).toHaveCount(results.length);
  for (const e of results) {
    // what the analyst reads: who answered, where, how, and threat intel's verdict
    const verdict = e.result && e.result.full && e.result.full.verdict;
    const text = `${e.name} at ${e.site}: ${e.status}${verdict ? ` — verdict ${verdict}` : ''}`;
    await expect(lines.filter({ hasText: text }), `the line "${text}"`).toHaveCount(1);
  }
  // threat intel's verdict is part of its line (the hash is not a known one).
  await expect(lines.filter({ hasText: /threat-intel at hq: \S+ — verdict clean/ })).toHaveCount(1);
  // and the gate the run opened, with the link to it
  await expect(page.locator('li.fs-tl[data-kind="approval_requested"]').getByRole('link', { name: `#${gate.id}` })).toBeVisible();
  await checkPage(page, testInfo, 'case-enrichment-results');
});
