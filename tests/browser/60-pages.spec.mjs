// Issue 14.7: every page of the console opened once by an admin (who may
// see all of them): Cases, Case, Approvals, Governance, Sites, Metrics,
// Audit. Each is screenshotted and checked (no console or page error, no
// request off loopback, axe-core with no serious or critical violation),
// and shows the data the API has.
import { readFileSync } from 'node:fs';
import { test, expect, env, signIn, checkPage, openRoute, apiOk, allowConsoleError } from './helpers.mjs';

test('every page: screenshot, axe, no errors, loopback only', async ({ page, problems }, testInfo) => {
  await signIn(page, 'admin', testInfo);
  // The console's policy, as served and as the browser enforces it: no
  // inline script runs (the page cannot be made to run injected markup).
  const index = await page.request.get(env.base + '/');
  const csp = index.headers()['content-security-policy'] || '';
  expect(csp).toMatch(/script-src 'self'/);
  expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
  await openRoute(page, '/sites');
  await expect(page.getByRole('heading', { name: 'Sites', exact: true })).toBeVisible();
  await expect(page.addScriptTag({ content: 'window.__fsInjected = 1;' })).rejects.toThrow(/Content Security Policy/);
  expect(await page.evaluate(() => window.__fsInjected)).toBeUndefined();
  allowConsoleError(problems, /violates the following Content Security Policy directive 'script-src 'self''/);
  const cases = (await apiOk('GET', '/cases?limit=5')).items;
  const sites = await apiOk('GET', '/sites');

  await openRoute(page, '/cases');
  await expect(page.locator(`a[href="#/cases/${cases[0].id}"]`).first()).toBeVisible();
  await checkPage(page, testInfo, 'page-cases');

  await openRoute(page, `/cases/${cases[0].id}`);
  await expect(page.getByText(cases[0].title).first()).toBeVisible();
  await checkPage(page, testInfo, 'page-case');

  await openRoute(page, '/approvals');
  await expect(page.getByRole('heading', { name: 'Approvals' })).toBeVisible();
  await checkPage(page, testInfo, 'page-approvals');

  await openRoute(page, '/governance');
  await expect(page.getByRole('heading', { name: 'Governance', exact: true })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Playbooks' })).toBeVisible(); // loaded, not "Loading…"
  await expect(page.getByRole('cell', { name: 'endpoint-compromise' }).first()).toBeVisible();
  await checkPage(page, testInfo, 'page-governance');

  await openRoute(page, '/sites');
  await expect(page.getByRole('heading', { name: 'Sites', exact: true })).toBeVisible();
  for (const name of Object.keys(sites.sites || sites)) {
    await expect(page.getByRole('rowheader', { name, exact: true }).first()).toBeVisible();
  }
  await checkPage(page, testInfo, 'page-sites');

  // A page left while it still loads must not draw over the next one:
  // Governance's answers are held back 1.5 s (as on a slow link), Sites is
  // opened at once after it.
  const slow = async (route) => {
    await new Promise((r) => setTimeout(r, 1500));
    await route.fallback();
  };
  await page.route('**/api/v1/playbooks**', slow);
  await openRoute(page, '/governance');
  await openRoute(page, '/sites');
  await expect(page).toHaveURL(/#\/sites$/);
  await expect(page.getByRole('heading', { name: 'Sites', exact: true }), 'the view is Sites, the page asked for').toBeVisible();
  await page.waitForTimeout(3000);
  await expect(page.getByRole('heading', { name: 'Sites', exact: true }), 'Sites is still shown 3 s later').toBeVisible();
  await expect(page.getByRole('heading', { name: 'Governance', exact: true })).toHaveCount(0);
  await page.unroute('**/api/v1/playbooks**', slow);

  await openRoute(page, '/metrics');
  await expect(page.getByRole('heading', { name: /metrics/i }).first()).toBeVisible();
  await expect(page.getByText(/MTTR/).first()).toBeVisible();
  await checkPage(page, testInfo, 'page-metrics');

  // Audit: the verification of the real chain, as the page words it, and
  // an export that downloads every entry.
  const verify = await apiOk('GET', '/audit/verify');
  expect(verify.ok, `the test broker's audit chain is intact: ${JSON.stringify(verify)}`).toBe(true);
  await openRoute(page, '/audit');
  await expect(page.getByRole('heading', { name: 'Audit', exact: true })).toBeVisible();
  await expect(page.locator('#fs-audit-result')).toHaveText('The audit log verifies: every entry chains to the one before.');
  const facts = page.locator('#fs-audit-result + dl');
  await expect(facts.locator('dt', { hasText: /^Result$/ }).locator('xpath=following-sibling::dd[1]')).toHaveText('intact');
  const shownEntries = Number(await facts.locator('dt', { hasText: /^Entries$/ }).locator('xpath=following-sibling::dd[1]').textContent());
  expect(shownEntries, 'the page counts the entries the broker verified').toBeGreaterThanOrEqual(verify.entries);
  expect(shownEntries).toBeGreaterThan(0);
  await checkPage(page, testInfo, 'page-audit');

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Export the audit log (NDJSON)' }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^fedsoar-audit-\d{4}-\d{2}-\d{2}\.ndjson$/);
  const text = readFileSync(await download.path(), 'utf8');
  expect(text.endsWith('\n'), 'NDJSON: every line ends with a newline').toBe(true);
  const exported = text.trimEnd().split('\n').map((l, i) => {
    try { return JSON.parse(l); } catch (err) { throw new Error(`export line ${i + 1} is not JSON: ${err.message}: ${l.slice(0, 200)}`); }
  });
  await expect(page.locator('#fs-export-status')).toHaveText(`${exported.length} entries exported.`);
  // The file is the log: seqs 1, 2, … with no gap, at least every entry
  // verified before, each equal to the API's entry of that seq.
  expect(exported.length).toBeGreaterThanOrEqual(verify.entries);
  expect(exported.map((e) => e.seq)).toEqual(exported.map((_, i) => i + 1));
  const fromApi = [];
  for (let since = 0; ;) {
    const pg = await apiOk('GET', `/audit/entries?since=${since}`);
    fromApi.push(...pg.entries);
    if (!pg.entries.length || pg.last <= since) break;
    since = pg.last;
  }
  expect(fromApi.length).toBeGreaterThanOrEqual(exported.length);
  expect(exported).toEqual(fromApi.slice(0, exported.length));
  await checkPage(page, testInfo, 'page-audit-exported');
});
