// Issue 14.7: sign in through a one-time link; the case of a replayed alert
// is on the board; a second alert (sharing the first one's observables,
// posted to alpha's webhook) updates the board and the case page live, from
// the SSE stream, without a reload.
import {
  test, expect, env, signIn, checkPage, openRoute, apiOk, waitFor, postAlphaFollowUp,
} from './helpers.mjs';

// The board's entry of case ID: the element (row, item, card) around its link.
function boardEntry(page, id) {
  const link = page.locator(`a[href="#/cases/${id}"]`).first();
  return link.locator('xpath=ancestor::*[self::tr or self::li or self::article][1]');
}

// The entry's cell under the column headed NAME (the board is a table).
async function cellUnder(entry, name) {
  const headers = (await entry.locator('xpath=ancestor::table[1]').getByRole('columnheader').allTextContents())
    .map((h) => h.trim());
  const col = headers.findIndex((h) => h.toLowerCase() === name.toLowerCase());
  expect(col, `a column "${name}" among ${headers.join(', ')}`).toBeGreaterThanOrEqual(0);
  return entry.locator('td, th').nth(col);
}

test('one-time link, the replayed case on the board, a second alert updates it live', async ({ page }, testInfo) => {
  // The alert alpha replayed at start is a case (the test side's view).
  const list = await apiOk('GET', '/cases?site=alpha&limit=100');
  const replayed = list.items.find((c) => c.title.startsWith('PowerShell launched a remote payload'));
  expect(replayed, 'the replayed alert made a case').toBeTruthy();
  expect(replayed.alert_count).toBe(1);

  await signIn(page, 'ana', testInfo);
  await checkPage(page, testInfo, 'console-home');
  await openRoute(page, '/cases');
  await expect(page.getByRole('heading', { name: /cases/i }).first()).toBeVisible();
  const entry = boardEntry(page, replayed.id);
  await expect(entry).toBeVisible();
  await expect(entry).toContainText(replayed.title);
  await expect(entry).toContainText('alpha');
  // Counts per status, as the API counts them.
  const counts = page.getByRole('list', { name: 'Cases by status' });
  for (const [status, n] of Object.entries(list.counts)) {
    await expect(counts.getByRole('link', { name: `${n} ${status}`, exact: true })).toBeVisible();
  }
  await expect(await cellUnder(entry, 'Alerts')).toHaveText('1');
  await checkPage(page, testInfo, 'cases-board');

  // No reload from here on: a marker in the page's window must survive.
  await page.evaluate(() => { window.__fsNoReload = 'board'; });
  let navigations = 0;
  page.on('framenavigated', (f) => { if (f === page.mainFrame() && !f.url().includes('#')) navigations++; });

  const follow = await postAlphaFollowUp(String(100 + (Date.now() % 800)));
  const updated = await waitFor('the follow-up alert in the same case', 60, async () => {
    const c = await apiOk('GET', `/cases/${replayed.id}`);
    return (c.alert_count ?? (c.alerts || []).length) >= 2 ? c : null;
  });
  expect(updated.id).toBe(replayed.id);
  // The board shows the case's two alerts, by the stream, not by a reload.
  await expect(await cellUnder(entry, 'Alerts')).toHaveText('2');
  expect(await page.evaluate(() => window.__fsNoReload)).toBe('board');
  await checkPage(page, testInfo, 'cases-board-live');

  // The case page: the timeline has both alerts; a third arrives live too.
  await entry.locator(`a[href="#/cases/${replayed.id}"]`).first().click();
  await expect(page.getByRole('heading', { name: new RegExp(replayed.title.slice(0, 30)) }).first()).toBeVisible();
  await expect(page.getByText(follow.display_name).first()).toBeVisible();
  await expect(page.getByText('T1059.001').first()).toBeVisible(); // ATT&CK technique of the observables/alerts
  await checkPage(page, testInfo, 'case-page');
  await page.evaluate(() => { window.__fsNoReload = 'case'; });
  const third = await postAlphaFollowUp(String(900 + (Date.now() % 90)));
  await expect(page.getByText(third.display_name).first()).toBeVisible({ timeout: 60_000 });
  expect(await page.evaluate(() => window.__fsNoReload)).toBe('case');
  expect(navigations, 'no page load after the console opened').toBe(0);
  await checkPage(page, testInfo, 'case-page-live');
});
