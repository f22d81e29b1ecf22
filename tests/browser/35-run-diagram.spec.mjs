// Issue 14.2 (Case): "the runs with each step's state drawn on the
// playbook's diagram". A gate approved with the CLI (carol's key), the run
// completes; its page draws every top-level step of its version (set steps,
// the foreach, enrichments, the gate, the containment, the ticket) as done.
import {
  test, expect, env, ctl, signIn, checkPage, openRoute, apiOk, waitFor, postLsassAlert, gateFor,
} from './helpers.mjs';

test("a completed run's page draws each step's state on the diagram", async ({ page }, testInfo) => {
  const alert = await postLsassAlert('beta-rd-ws501', 'rd' + (Date.now() % 1e6));
  const gate = await gateFor(alert.host);
  ctl('carol', 'approvals', 'approve', String(gate.id), '--comment', 'run diagram test');
  const runId = (await apiOk('GET', `/approvals/${gate.id}`)).run_id;
  const run = await waitFor(`run ${runId} completed`, 90, async () => {
    const r = await apiOk('GET', `/runs/${runId}`);
    return r.status === 'completed' ? r : null;
  });
  const doc = (await apiOk('GET', `/playbook-versions/${run.version}`)).doc;

  await signIn(page, 'ana', testInfo);
  await openRoute(page, `/runs/${runId}`);
  await expect(page.getByRole('heading', { name: `Run #${runId}: endpoint-compromise` })).toBeVisible();
  await expect(page.locator('svg [data-element-id="gate"]').first()).toBeVisible();
  await checkPage(page, testInfo, 'run-diagram');
  for (const [i, step] of doc.steps.entries()) {
    expect(run.step_states.find((x) => x.path === String(i))?.state, `step ${step.id} (path ${i})`).toBe('done');
    await expect(page.locator(`svg [data-element-id="${step.id}"]`).first(), `step ${step.id} drawn done`)
      .toHaveClass(/(^|\s)gv-state-done(\s|$)/);
  }
  // The steps table names each top-level step by its id.
  for (const [i, step] of doc.steps.entries()) {
    await expect(page.locator(`tr[data-path="${i}"]`).getByRole('cell').nth(1), `path ${i} names its step`).toHaveText(step.id);
  }
});
