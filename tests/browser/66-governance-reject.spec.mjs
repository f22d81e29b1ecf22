// Issue 14.2 (Governance: approve or reject): a board member rejects a
// version in review from the console. Without a reason nothing is sent;
// with one, carol's signed rejection makes it rejected (one member is
// enough, docs/governance.md); the page shows it rejected with her
// decision, it leaves "In review", and it cannot be activated: every
// Activate button is off with the reason, and the API refuses the
// activation anyway.
import { readFileSync } from 'node:fs';
import { test, expect, env, signIn, checkPage, openRoute, apiOk, api, allowConsoleError } from './helpers.mjs';

const short = (v) => v.slice(0, 12);

// playbooks.list's entry of NAME (where each version is live and in shadow).
async function book(name) {
  const list = await apiOk('GET', '/playbooks');
  const items = Array.isArray(list) ? list : (list.items || list.playbooks || []);
  return items.find((p) => p.name === name);
}

async function stateOf(version) {
  return (await apiOk('GET', '/playbooks/endpoint-compromise/versions')).versions.find((v) => v.version === version);
}

test('governance: reject a version in review; it shows rejected and cannot be activated',
  async ({ page, problems, newWatchedContext }, testInfo) => {
    const tag = String(Date.now() % 1e7);
    const doc = JSON.parse(readFileSync(`${env.src}/playbooks/library/endpoint-compromise.json`, 'utf8'));
    doc.description = `${doc.description} (reject test ${tag})`;
    doc.steps.find((s) => s.id === 'contain').critical = false; // what a board refuses
    const sub = await apiOk('POST', '/playbook-versions', { doc, origin: 'browser reject test' });
    const v3 = sub.version;
    expect(sub.state).toBe('in_review');
    const bookBefore = await book('endpoint-compromise');

    await signIn(page, 'carol', testInfo);
    await openRoute(page, '/governance');
    const inReview = page.locator('section').filter({ has: page.getByRole('heading', { name: /^In review \(/ }) });
    await expect(inReview.locator(`a[href="#/governance/${v3}"]`)).toBeVisible();
    await inReview.locator(`a[href="#/governance/${v3}"]`).click();
    await expect(page.getByRole('heading', { name: new RegExp(`endpoint-compromise @ ${short(v3)}\\s+in_review`) })).toBeVisible();
    await page.getByLabel('my key file').check();
    await page.getByLabel('Your key file (NAME.sign.pem):').setInputFiles(`${env.keys}/operators/carol.sign.pem`);
    await expect(page.getByText('Signing with carol.sign.pem')).toBeVisible();

    // No reason: the page says so and sends nothing.
    const posts = [];
    page.on('request', (r) => { if (r.method() === 'POST' && r.url().includes('/approvals')) posts.push(r.url()); });
    await page.getByRole('button', { name: 'Reject', exact: true }).click();
    await expect(page.getByText('A rejection needs a reason.')).toBeVisible();
    expect(posts).toEqual([]);
    expect((await stateOf(v3)).state).toBe('in_review');

    const reason = `contain must stay critical: the site checks the signature (${tag})`;
    await page.getByLabel('Reason (needed to reject)').fill(reason);
    await page.getByRole('button', { name: 'Reject', exact: true }).click();
    await expect(page.getByText(/Your signed reject was accepted: the version is now rejected/)).toBeVisible();
    await expect(page.getByRole('heading', { name: new RegExp(`endpoint-compromise @ ${short(v3)}\\s+rejected`) })).toBeVisible();
    await expect(page.getByText(/valid signature\(s\) so far: .*carol reject/)).toBeVisible();
    await expect(page.getByRole('button', { name: 'Approve', exact: true })).toHaveCount(0); // nothing left to sign
    await checkPage(page, testInfo, 'governance-rejected');
    expect(posts).toHaveLength(1);
    const rec = await stateOf(v3);
    expect(rec.state).toBe('rejected');
    expect((rec.approvals || []).map((a) => [a.member, a.decision])).toEqual([['carol', 'reject']]);

    // It left "In review".
    await openRoute(page, '/governance');
    await expect(page.getByRole('heading', { name: /^In review \(/ })).toBeVisible();
    await expect(inReview.locator(`a[href="#/governance/${v3}"]`)).toHaveCount(0);

    // An admin cannot activate it: every Activate is off, with the reason.
    const admin = await (await newWatchedContext()).newPage();
    await signIn(admin, 'admin', testInfo);
    await openRoute(admin, `/governance/${v3}`);
    await expect(admin.getByRole('heading', { name: new RegExp(`@ ${short(v3)}\\s+rejected`) })).toBeVisible();
    const shadowButtons = admin.getByRole('button', { name: 'Activate in shadow' });
    await expect(shadowButtons.first()).toBeVisible();
    const n = await shadowButtons.count();
    expect(n, 'a row per site').toBeGreaterThanOrEqual(3);
    for (let i = 0; i < n; i++) {
      await expect(shadowButtons.nth(i)).toBeDisabled();
      await expect(shadowButtons.nth(i)).toHaveAccessibleDescription(/Only an approved version can be activated \(this one is rejected\)/);
    }
    const liveButtons = admin.getByRole('button', { name: 'Make live' });
    for (let i = 0; i < await liveButtons.count(); i++) await expect(liveButtons.nth(i)).toBeDisabled();
    await checkPage(admin, testInfo, 'governance-rejected-admin');

    // ... and the API refuses it anyway; nothing changed where it runs.
    const refused = await api('POST', `/playbook-versions/${v3}/activations`, { site: 'beta', shadow: true });
    expect(refused.status, JSON.stringify(refused.body)).toBeGreaterThanOrEqual(400);
    expect(refused.status).toBeLessThan(500);
    const sent = await admin.evaluate(async (v) => {
      const s = await (await fetch('/api/v1/session')).json();
      const r = await fetch(`/api/v1/playbook-versions/${v}/activations`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf_token },
        body: JSON.stringify({ site: 'beta', shadow: true }),
      });
      return { status: r.status, body: await r.json() };
    }, v3);
    expect(sent.status, JSON.stringify(sent.body)).toBe(refused.status);
    allowConsoleError(problems, new RegExp(`status of ${sent.status} .*playbook-versions/${v3}/activations`));
    const bookAfter = await book('endpoint-compromise');
    expect(bookAfter.active).toEqual(bookBefore.active);
    expect(bookAfter.shadow || {}).toEqual(bookBefore.shadow || {});
    expect(Object.values(bookAfter.active)).not.toContain(v3);
  });
