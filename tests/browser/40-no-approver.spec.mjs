// Issue 14.7: a user without the approver role (ana, analyst) sees the
// approve action disabled, with the reason, and the API refuses the same
// vote (403) when it is sent anyway from the page, with the CSRF token.
import {
  test, expect, signIn, checkPage, openRoute, apiOk, postLsassAlert, gateFor, allowConsoleError,
} from './helpers.mjs';

test('an analyst sees approve disabled and the API refuses the vote anyway', async ({ page, problems }, testInfo) => {
  const alert = await postLsassAlert('beta-na-ws401', 'na' + (Date.now() % 1e6));
  const gate = await gateFor(alert.host);
  await signIn(page, 'ana', testInfo);
  await openRoute(page, `/approvals/${gate.id}`);
  await expect(page.getByRole('heading', { name: `Approval #${gate.id}` })).toBeVisible();
  const approve = page.getByRole('button', { name: 'Approve', exact: true });
  const deny = page.getByRole('button', { name: 'Deny', exact: true });
  await expect(approve).toBeVisible();
  await expect(approve).toBeDisabled();
  await expect(deny).toBeDisabled();
  // The reason is the button's description (aria-describedby).
  await expect(approve).toHaveAccessibleDescription(/approver|role/i);
  await checkPage(page, testInfo, 'approval-not-allowed');

  const answer = await page.evaluate(async (id) => {
    const s = await (await fetch('/api/v1/session')).json();
    const r = await fetch(`/api/v1/approvals/${id}/votes`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf_token },
      body: JSON.stringify({ decision: 'approve', comment: 'sent around the disabled button' }),
    });
    return { role: s.role, status: r.status, type: r.headers.get('content-type'), body: await r.json() };
  }, gate.id);
  expect(answer.role).toBe('analyst');
  expect(answer.status, JSON.stringify(answer.body)).toBe(403);
  expect(answer.type).toBe('application/problem+json');
  expect(answer.body.status).toBe(403);
  allowConsoleError(problems, new RegExp(`status of 403.*approvals/${gate.id}/votes`));
  const still = await apiOk('GET', `/approvals/${gate.id}`);
  expect(still.status).toBe('open');
  expect(still.quorum_state.votes).toEqual([]);
});
