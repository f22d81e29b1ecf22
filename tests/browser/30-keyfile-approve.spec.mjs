// Issue 14.7: the Ed25519 key-file signer. bob imports KEYS/operators/
// bob.sign.pem (setInputFiles; WebCrypto, non-extractable, this tab only)
// and approves an endpoint-compromise gate; beta verifies and contains.
import {
  test, expect, env, signIn, checkPage, openRoute, apiOk, waitFor, postLsassAlert, gateFor, readLines,
} from './helpers.mjs';

test('key file: import NAME.sign.pem, approve the gate, the site contains', async ({ page }, testInfo) => {
  const alert = await postLsassAlert('beta-kf-ws201', 'kf' + (Date.now() % 1e6));
  const gate = await gateFor(alert.host);
  await signIn(page, 'bob', testInfo);
  await openRoute(page, '/approvals');
  await expect(page.getByRole('heading', { name: 'Approvals' })).toBeVisible();
  // Pending first: the gate is listed, with a way to its page.
  const toGate = page.locator(`a[href="#/approvals/${gate.id}"]`).first();
  await expect(toGate).toBeVisible();
  await checkPage(page, testInfo, 'approvals-list');
  await toGate.click();
  await expect(page.getByRole('heading', { name: `Approval #${gate.id}` })).toBeVisible();

  const votePosts = [];
  page.on('request', (r) => {
    if (r.method() === 'POST' && r.url().endsWith(`/api/v1/approvals/${gate.id}/votes`)) votePosts.push(r.postData());
  });
  await page.getByLabel('my key file').check();
  await page.getByLabel('Your key file (NAME.sign.pem):').setInputFiles(`${env.keys}/operators/bob.sign.pem`);
  await expect(page.getByText('Signing with bob.sign.pem')).toBeVisible();
  await checkPage(page, testInfo, 'approval-keyfile-loaded');
  await page.getByLabel('Comment (optional)').fill('LSASS read by an unsigned binary; contain');
  await page.getByRole('button', { name: 'Approve', exact: true }).click();
  await expect(page.getByText(/was counted/)).toBeVisible();
  await checkPage(page, testInfo, 'approval-keyfile-counted');

  // What left the page: the payload the API gave and a 64-byte Ed25519 signature, no key.
  expect(votePosts).toHaveLength(1);
  const sent = JSON.parse(votePosts[0]);
  expect(Object.keys(sent).sort()).toEqual(['comment', 'decision', 'payload', 'signature']);
  expect(Buffer.from(sent.signature, 'base64')).toHaveLength(64);
  expect(JSON.parse(sent.payload)).toMatchObject({ approval_id: gate.id, decision: 'approve', operator: 'bob', type: 'fedsoar-vote/1' });
  expect(votePosts[0]).not.toContain('PRIVATE KEY');

  const shown = await apiOk('GET', `/approvals/${gate.id}`);
  expect(shown.status).toBe('approved');
  expect(shown.quorum_state.votes.map((v) => [v.operator, v.signed])).toEqual([['bob', true]]);
  await waitFor(`beta's actuator contains ${alert.host}`, 90, () =>
    readLines(`${env.sites.beta.state}/record-only.jsonl`).find((l) =>
      l.command && l.command.action === 'contain' && JSON.stringify(l.command.target).includes(alert.host)));
  // The case page tells it: bob's signed vote, the command to beta, beta's answer.
  await openRoute(page, `/cases/${shown.case_id}`);
  await expect(page.getByText(/bob \(approver\) voted approve, signed/).first()).toBeVisible();
  await expect(page.getByText(new RegExp(`OpenC2 contain .*${alert.host.replace(/\./g, '\\.')}.* sent to beta`)).first()).toBeVisible();
  await checkPage(page, testInfo, 'case-contained');
});
