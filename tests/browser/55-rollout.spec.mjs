// Issue 15.7: the phased rollout on the Governance page. An admin plans the
// rollout of endpoint-compromise over alpha and beta (CLI), proposes alpha's
// observe -> shadow in the browser (the criterion measured: the version is
// approved); alice signs it in her browser with her key file (1 of 2: the
// phase does not move), bob signs in his (2 of 2: alpha is in shadow); the
// rollback plan lists what the promotion changed, and the admin's Roll back
// returns alpha to observe at once.
import { test, expect, env, signIn, checkPage, openRoute, apiOk, ctl } from './helpers.mjs';

const NAME = 'endpoint-compromise';
const phaseAt = async (site) => (await apiOk('GET', `/rollouts/${NAME}`)).status[site].phase;

async function signWithKeyFile(page, who) {
  await openRoute(page, '/governance');
  const card = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: /^Proposal \d+: alpha observe → shadow$/ }) });
  await expect(card).toBeVisible();
  await card.getByLabel('my key file').check();
  await card.getByLabel('Your key file (NAME.sign.pem):').setInputFiles(`${env.keys}/operators/${who}.sign.pem`);
  await card.getByRole('button', { name: 'Sign', exact: true }).click();
  await expect(page.getByText(/Your signature was accepted: \d of 2/)).toBeVisible();
}

test('rollout: plan, propose, 1 of 2 signatures waits, 2 of 2 in effect, rollback plan, roll back',
  async ({ page, newWatchedContext }, testInfo) => {
    test.setTimeout(180_000);
    // the version live at both sites: the plan's phases move without a second run of it
    ctl('admin', 'rollout', 'plan', NAME, '--sites', 'alpha,beta', '--version', env.v1);
    expect(await phaseAt('alpha')).toBe('observe');

    const admin = page;
    await signIn(admin, 'admin', testInfo);
    await openRoute(admin, '/governance');
    await expect(admin.getByRole('heading', { name: /^Phased rollouts \(1\)$/ })).toBeVisible();
    const alpha = admin.getByRole('row').filter({ has: admin.getByRole('rowheader', { name: 'alpha', exact: true }) });
    await expect(alpha).toContainText('version_approved = approved (need approved)');
    await alpha.getByRole('button', { name: 'Propose shadow' }).click();
    await expect(admin.getByText(/Proposal \d+ made: alpha observe → shadow/)).toBeVisible();
    await checkPage(admin, testInfo, 'rollout-proposal');

    const alice = await (await newWatchedContext()).newPage();
    await signIn(alice, 'alice', testInfo);
    await signWithKeyFile(alice, 'alice');
    await expect(alice.getByText('waiting for the quorum')).toBeVisible();
    expect(await phaseAt('alpha')).toBe('observe');

    const bob = await (await newWatchedContext()).newPage();
    await signIn(bob, 'bob', testInfo);
    await signWithKeyFile(bob, 'bob');
    await expect(bob.getByText('the promotion is in effect')).toBeVisible();
    expect(await phaseAt('alpha')).toBe('shadow');
    expect(await phaseAt('beta')).toBe('observe');

    await admin.reload();
    await expect(admin.getByRole('listitem').filter({ hasText: /^alpha proposal \d+: observe → shadow — .*signed by alice, bob/ })).toBeVisible();
    await checkPage(admin, testInfo, 'rollout-rollback-plan');
    await alpha.getByRole('button', { name: 'Roll back' }).click();
    await expect(admin.getByText(`${NAME} at alpha rolled back from shadow to observe.`)).toBeVisible();
    expect(await phaseAt('alpha')).toBe('observe');
  });
