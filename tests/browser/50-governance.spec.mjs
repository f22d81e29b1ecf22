// Issue 14.7: governance in the browser. A changed endpoint-compromise
// (its gate step changed) is submitted through the API; three board members
// (alice, bob, carol: three browser contexts, three sessions) review the
// side-by-side diff and the BPMN diagram with the changed step marked; two
// of them approve, each signing with their own key file (quorum 2 of 3);
// the third then finds nothing left to sign. An admin activates it in
// shadow at beta, a live event runs both, the comparison shows the shadow
// run beside the live one; it is made live and rolled back to v1.
import { readFileSync } from 'node:fs';
import {
  test, expect, env, signIn, checkPage, openRoute, apiOk, waitFor, postLsassAlert,
} from './helpers.mjs';

const short = (v) => v.slice(0, 12);

// playbooks.list's entry of NAME (where each version is live and in shadow).
async function book(name) {
  const list = await apiOk('GET', '/playbooks');
  const items = Array.isArray(list) ? list : (list.items || list.playbooks || []);
  return items.find((p) => p.name === name);
}

async function versionsOf(name) {
  return (await apiOk('GET', `/playbooks/${name}/versions`)).versions;
}

// Opens #/governance/V and checks what a reviewer must see.
async function review(page, v2, testInfo, who) {
  await openRoute(page, `/governance/${v2}`);
  await expect(page.getByRole('heading', { name: new RegExp(`endpoint-compromise @ ${short(v2)}`) })).toBeVisible();
  // The side-by-side diff: v1 on the left, v2 on the right, the changed step named.
  const diff = page.getByRole('table').filter({ has: page.getByRole('columnheader', { name: short(env.v1) }) });
  await expect(diff).toBeVisible();
  await expect(diff.getByRole('columnheader', { name: short(v2) })).toBeVisible();
  await expect(diff).toContainText('Contain for review');
  await expect(page.getByText(/changed steps?:\s*gate/)).toBeVisible();
  // The BPMN diagram (bpmn-js), the changed step marked, the others not.
  const gate = page.locator('svg [data-element-id="gate"]').first();
  await expect(gate).toBeVisible();
  await expect(gate).toHaveClass(/(^|\s)gv-changed(\s|$)/);
  await expect(page.locator('svg [data-element-id="contain"]').first()).not.toHaveClass(/(^|\s)gv-changed(\s|$)/);
  await checkPage(page, testInfo, `governance-review-${who}`);
}

async function approveWithKeyFile(page, who) {
  await page.getByLabel('my key file').check();
  await page.getByLabel('Your key file (NAME.sign.pem):').setInputFiles(`${env.keys}/operators/${who}.sign.pem`);
  await expect(page.getByText(`Signing with ${who}.sign.pem`)).toBeVisible();
  await page.getByRole('button', { name: 'Approve', exact: true }).click();
  // The page reloads the version: the signature is counted and there is nothing left to sign.
  await expect(page.getByRole('button', { name: 'Approve', exact: true, disabled: false })).toHaveCount(0);
  await expect(page.getByText(new RegExp(`valid signature\\(s\\) so far: .*${who} approve`))).toBeVisible();
}

test('governance: submit a change, diff and BPMN, 2 of 3 approve, shadow, compare, roll back',
  async ({ page, newWatchedContext }, testInfo) => {
    test.setTimeout(300_000);
    // v2: the gate step changed (its reason and timeout), nothing else.
    const doc = JSON.parse(readFileSync(`${env.src}/playbooks/library/endpoint-compromise.json`, 'utf8'));
    const gateStep = doc.steps.find((s) => s.id === 'gate');
    gateStep.reason = 'Contain for review: ' + gateStep.reason;
    gateStep.timeout = '2h';
    const sub = await apiOk('POST', '/playbook-versions', { doc, origin: 'browser test' });
    const v2 = sub.version;
    expect(sub.state).toBe('in_review');

    // Three board members, three browsers.
    const pages = { alice: page };
    for (const who of ['bob', 'carol']) pages[who] = await (await newWatchedContext()).newPage();
    for (const who of ['alice', 'bob', 'carol']) await signIn(pages[who], who, testInfo);

    // The list: v2 in review.
    await openRoute(page, '/governance');
    await expect(page.getByRole('heading', { name: 'Governance', exact: true })).toBeVisible();
    await expect(page.locator(`a[href="#/governance/${v2}"]`).first()).toBeVisible();
    await checkPage(page, testInfo, 'governance-list');
    for (const who of ['alice', 'bob', 'carol']) await review(pages[who], v2, testInfo, who);

    // alice signs: 1 of 2, still in review.
    await approveWithKeyFile(pages.alice, 'alice');
    expect((await versionsOf('endpoint-compromise')).find((v) => v.version === v2).state).toBe('in_review');
    // bob signs: quorum reached.
    await approveWithKeyFile(pages.bob, 'bob');
    const approved = (await versionsOf('endpoint-compromise')).find((v) => v.version === v2);
    expect(approved.state).toBe('approved');
    await checkPage(pages.bob, testInfo, 'governance-approved');
    // carol: nothing left to sign (the page says why; the buttons are off).
    await pages.carol.reload();
    await expect(pages.carol.getByRole('heading', { name: new RegExp(`@ ${short(v2)}\\s+approved`) })).toBeVisible();
    await expect(pages.carol.getByRole('button', { name: 'Approve', exact: true, disabled: false })).toHaveCount(0);
    await expect(pages.carol.getByText(/alice approve.*bob approve|bob approve.*alice approve/).first()).toBeVisible();
    await checkPage(pages.carol, testInfo, 'governance-third-member');

    // An admin activates v2 in shadow at beta (shadow first).
    const admin = await (await newWatchedContext()).newPage();
    admin.on('dialog', (d) => d.accept());
    await signIn(admin, 'admin', testInfo);
    await openRoute(admin, `/governance/${v2}`);
    const betaRow = admin.getByRole('row').filter({ has: admin.getByRole('rowheader', { name: 'beta', exact: true }) });
    await betaRow.getByRole('button', { name: 'Activate in shadow' }).click();
    await expect(admin.getByText('Shadow at beta: done.')).toBeVisible();
    await waitFor('v2 in shadow at beta', 20, async () =>
      (await book('endpoint-compromise'))?.shadow?.beta === v2);

    // A live event at beta: v1 runs it live (a gate opens), v2 in shadow beside it.
    const alert = await postLsassAlert('beta-gov-ws301', 'gv' + (Date.now() % 1e6));
    await waitFor('the shadow run beside the live one', 90, async () => {
      const c = await apiOk('GET', '/playbooks/endpoint-compromise/comparison');
      return JSON.stringify(c).includes(v2) && JSON.stringify(c).includes(env.v1) ? c : null;
    });
    await admin.reload();
    const cmp = admin.getByRole('table').filter({ has: admin.getByRole('columnheader', { name: /^shadow \(/ }) });
    await expect(cmp).toBeVisible();
    await expect(cmp.getByRole('row').filter({ hasText: short(v2) }).filter({ hasText: short(env.v1) }).first()).toBeVisible();
    await expect(admin.locator('svg [data-element-id="gate"]').first()).toBeVisible();
    await checkPage(admin, testInfo, 'governance-shadow-compare');
    expect(alert.host).toContain('beta-gov');

    // Live, then rolled back: v1 is live again at beta.
    await betaRow.getByRole('button', { name: 'Make live' }).click();
    await expect(admin.getByText('Live at beta: done.')).toBeVisible();
    await waitFor('v2 live at beta', 20, async () =>
      (await book('endpoint-compromise'))?.active?.beta === v2);
    await admin.reload();
    await betaRow.getByRole('button', { name: 'Roll back' }).click();
    await expect(admin.getByText('Rollback at beta: done.')).toBeVisible();
    const after = await waitFor('v1 live again at beta', 20, async () => {
      const p = await book('endpoint-compromise');
      return p?.active?.beta === env.v1 ? p : null;
    });
    expect(after.active.alpha).toBe(env.v1);
    await admin.reload();
    await expect(admin.getByRole('row').filter({ has: admin.getByRole('rowheader', { name: 'beta', exact: true }) })
      .getByRole('cell').first()).toHaveText(short(env.v1));
    await expect(admin.locator('svg [data-element-id="gate"]').first()).toBeVisible();
    await checkPage(admin, testInfo, 'governance-rolled-back');
  });
