// Issue 14.7: every page of the console opened once by an admin (who may
// see all of them): Cases, Case, Approvals, Governance, Sites, Metrics,
// Audit. Each is screenshotted and checked (no console or page error, no
// request off loopback, axe-core with no serious or critical violation),
// and shows the data the API has.
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

  await openRoute(page, '/audit');
  await expect(page.getByRole('heading', { name: /audit/i }).first()).toBeVisible();
  const verify = await apiOk('GET', '/audit/verify');
  expect(JSON.stringify(verify)).toMatch(/ok|true|valid/i);
  await expect(page.getByText(/verif/i).first()).toBeVisible();
  await checkPage(page, testInfo, 'page-audit');
});
