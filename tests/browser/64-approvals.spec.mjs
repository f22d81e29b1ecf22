// Issue 14.2 (Approvals) and 14.6 (approval links that survive mail
// scanners), through the UI.
// - The link the chat message of endpoint-compromise carries
//   (PUBLIC_URL/#/approvals/run/RUN/gate), opened in a browser with no
//   session, asks to sign in; after the one-time link's sign-in in that tab
//   the console lands on that gate's page; opening it decided nothing (the
//   gate is still open, no vote, via the API).
// - Pending first: a gate decided after another was opened is listed after
//   the open one, not among the pending.
// - Deny with a comment: alice's signed deny and its comment are on the gate
//   and the case timeline, and the run takes its deny path (nothing is
//   contained at beta, the run ends denied).
import {
  test, expect, env, ctl, signIn, checkPage, openRoute, apiOk, waitFor, postBetaAlert, gateFor, readLines, allowConsoleError,
} from './helpers.mjs';

// The chat message (hq's stand-in keeps every one) that asks about HOST.
async function chatMessageFor(host) {
  return waitFor(`the chat message asking to contain ${host}`, 60, async () =>
    readLines(env.chat_log).map((l) => l.input && l.input.text).find((t) => typeof t === 'string' && t.includes(host)));
}

test('the approval link of a chat message lands on the gate after sign-in and decides nothing', async ({ page, problems }, testInfo) => {
  const tag = String(Date.now() % 1e7);
  const alert = await postBetaAlert(`ap-link-${tag}`, `k${tag}`);
  const gate = await gateFor(alert.host, 90);
  const text = await chatMessageFor(alert.host);
  const m = text.match(/https:\/\/\S+\/#\/approvals\/run\/(\d+)\/gate/);
  expect(m, `the chat message carries the console link: ${text}`).not.toBeNull();
  const link = m[0];
  expect(new URL(link).origin, 'the link is on the broker\'s public URL').toBe(new URL(env.base).origin);
  expect(Number(m[1])).toBe(gate.run_id);

  // No session yet: the link shows how to sign in, and keeps where it leads.
  await page.goto(link);
  await expect(page.getByRole('heading', { name: 'Sign in', exact: true })).toBeVisible();
  await expect(page.locator('#fs-return')).toContainText(`#/approvals/run/${gate.run_id}/gate`);
  await checkPage(page, testInfo, 'approval-link-signed-out');
  // The signed-out console asked the broker who is signed in and got 401
  // (Chromium logs each as a console error): provoked by this test.
  allowConsoleError(problems, /status of 401 .*\/api\/v1\/session/, 2);
  // Sign-in in this tab (the one-time link, Sign in, Continue): the console opens on the gate.
  await signIn(page, 'alice', testInfo);
  await expect(page).toHaveURL(new RegExp(`#/approvals/${gate.id}$`));
  await expect(page.getByRole('heading', { name: `Approval #${gate.id} open` })).toBeVisible();
  await expect(page.getByText(new RegExp(`Contain ${alert.host.replace(/\./g, '\\.')} at site beta`)).first()).toBeVisible();
  await expect(page.getByRole('button', { name: 'Approve', exact: true })).toBeEnabled();
  await checkPage(page, testInfo, 'approval-link-landed');
  // Opening the link again, signed in, lands there too.
  await openRoute(page, '/cases');
  await page.goto(link);
  await expect(page).toHaveURL(new RegExp(`#/approvals/${gate.id}$`));
  await expect(page.getByRole('heading', { name: `Approval #${gate.id} open` })).toBeVisible();
  // ... and decided nothing.
  const still = await apiOk('GET', `/approvals/${gate.id}`);
  expect(still.status).toBe('open');
  expect(still.quorum_state.votes).toEqual([]);
  expect(readLines(`${env.sites.beta.state}/record-only.jsonl`)
    .some((l) => JSON.stringify(l.command || {}).includes(alert.host)), 'nothing sent to beta').toBe(false);
});

test('pending first; deny with a comment: on the gate and the timeline, and the run takes its deny path',
  async ({ page }, testInfo) => {
    test.setTimeout(240_000);
    const tag = String(Date.now() % 1e7);
    // Two gates: P opened first, D second; D is then decided (carol, CLI) and P stays open.
    const p = await postBetaAlert(`ap-pend-${tag}`, `p${tag}`);
    const P = await gateFor(p.host, 90);
    const d = await postBetaAlert(`ap-done-${tag}`, `d${tag}`);
    const D = await gateFor(d.host, 90);
    expect(D.id).toBeGreaterThan(P.id);
    ctl('carol', 'approvals', 'approve', String(D.id));
    await waitFor('gate D decided', 30, async () => (await apiOk('GET', `/approvals/${D.id}`)).status !== 'open');

    await signIn(page, 'alice', testInfo);
    await openRoute(page, '/approvals');
    const pending = page.locator('section.gv-ap-pending');
    await expect(pending.locator(`article[data-approval="${P.id}"]`)).toBeVisible();
    await expect(pending.locator(`article[data-approval="${D.id}"]`)).toHaveCount(0);
    // In the list of every gate, the open ones come first: P before the newer, decided D.
    const rows = page.locator('section.gv-ap-all tbody tr');
    await expect(rows.first()).toBeVisible();
    const listed = await rows.evaluateAll((trs) => trs.map((tr) => [Number(tr.dataset.approval), tr.dataset.status]));
    const firstDecided = listed.findIndex(([, s]) => s !== 'open');
    const lastOpen = listed.map(([, s]) => s).lastIndexOf('open');
    expect(firstDecided, `some decided gate is listed: ${JSON.stringify(listed)}`).toBeGreaterThanOrEqual(0);
    expect(lastOpen, `every open gate before every decided one: ${JSON.stringify(listed)}`).toBeLessThan(firstDecided);
    const iP = listed.findIndex(([id]) => id === P.id);
    const iD = listed.findIndex(([id]) => id === D.id);
    expect(iP).toBeGreaterThanOrEqual(0);
    expect(iP, 'the open P before the decided D').toBeLessThan(iD);
    await checkPage(page, testInfo, 'approvals-pending-first');

    // alice denies P with a comment, signing with her key file.
    await pending.locator(`article[data-approval="${P.id}"]`).getByRole('link', { name: 'Review and decide' }).click();
    await expect(page.getByRole('heading', { name: `Approval #${P.id} open` })).toBeVisible();
    const comment = `Not contained: ${p.host} is the red team's box (${tag})`;
    await page.getByLabel('Comment (optional)').fill(comment);
    await page.getByLabel('my key file').check();
    await page.getByLabel('Your key file (NAME.sign.pem):').setInputFiles(`${env.keys}/operators/alice.sign.pem`);
    await expect(page.getByText('Signing with alice.sign.pem')).toBeVisible();
    await page.getByRole('button', { name: 'Deny', exact: true }).click();
    await expect(page.getByText(/Your signed deny was counted/)).toBeVisible();
    await expect(page.getByRole('heading', { name: `Approval #${P.id} denied` })).toBeVisible();
    const quorum = page.locator('section.gv-ap-quorum');
    await expect(quorum.getByRole('row').filter({ hasText: 'alice' })).toContainText(comment);
    await expect(quorum.getByRole('row').filter({ hasText: 'alice' })).toContainText('deny');
    await checkPage(page, testInfo, 'approval-denied');

    const shown = await apiOk('GET', `/approvals/${P.id}`);
    expect(shown.status).toBe('denied');
    expect(shown.quorum_state.votes.map((v) => [v.operator, v.decision, v.signed, v.comment]))
      .toEqual([['alice', 'deny', true, comment]]);
    // The run takes its deny path: it ends denied, contain and the ticket never happen.
    const run = await waitFor(`run ${P.run_id} ends`, 60, async () => {
      const r = await apiOk('GET', `/runs/${P.run_id}`);
      return ['denied', 'completed', 'failed'].includes(r.status) ? r : null;
    });
    expect(run.status, JSON.stringify(run.step_states)).toBe('denied');
    const tl = (await apiOk('GET', `/cases/${P.case_id}/timeline?limit=500`)).items;
    expect(tl.filter((e) => e.kind === 'command' && e.run_id === P.run_id)).toEqual([]);
    const vote = tl.find((e) => e.kind === 'approval_vote' && e.approval_id === P.id);
    expect(vote, 'the vote on the case timeline').toMatchObject({ operator: 'alice', decision: 'deny', comment });
    expect(readLines(`${env.sites.beta.state}/record-only.jsonl`)
      .some((l) => JSON.stringify(l.command || {}).includes(p.host)), 'nothing contained at beta').toBe(false);
    // The case page says it: alice's signed deny with her comment.
    await openRoute(page, `/cases/${P.case_id}`);
    await expect(page.locator('li.fs-tl[data-kind="approval_vote"]')
      .filter({ hasText: `alice (approver) voted deny, signed — 0/1: ${comment}` })).toHaveCount(1);
    // the run's end, as a sentence (it was raw JSON before: kind playbook_failed had no line)
    await expect(page.locator('li.fs-tl[data-kind="playbook_failed"]')
      .filter({ hasText: /^.*Playbook endpoint-compromise denied(: .*)?$/ })).toHaveCount(1);
    await expect(page.locator('li.fs-tl').filter({ hasText: /playbook_failed: \{/ })).toHaveCount(0);
    await checkPage(page, testInfo, 'case-denied');
  });
