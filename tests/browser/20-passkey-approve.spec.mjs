// Issue 14.7: approve an endpoint-compromise gate with a passkey. A virtual
// authenticator (CDP WebAuthn) stands in for the device: alice enrolls it
// through `fedsoarctl operator passkey enroll alice` and its link, then votes
// on the approval page; the vote's signature is the assertion, the site
// (beta, `contain` critical) verifies it and contains. The same assertion
// replayed on another gate, and a tampered one, are refused with a reason.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import {
  test, expect, env, signIn, checkPage, openRoute, apiOk, waitFor, postLsassAlert, gateFor,
  ctlSpawn, readLines, allowConsoleError,
} from './helpers.mjs';

const b64urlToB64 = (s) => s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4);

test('passkey: enroll, approve the gate, the site verifies and contains; a replayed or forged assertion is refused',
  async ({ page, problems }, testInfo) => {
    test.setTimeout(300_000);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2', transport: 'internal', hasResidentKey: true,
        hasUserVerification: true, isUserVerified: true,
      },
    });

    // --- enrollment: the CLI starts it and prints a link; the page completes it.
    let link = null;
    let cliText = '';
    const enroll = ctlSpawn('alice', ['operator', 'passkey', 'enroll', 'alice'], (text) => {
      cliText = text;
      const m = text.match(/https:\/\/\S*enroll\S*/);
      if (m && !link) link = m[0];
    });
    await waitFor('the enrollment link from fedsoarctl operator passkey enroll', 30, () => link);
    expect(new URL(link).origin, 'the enrollment link is on the broker').toBe(new URL(env.base).origin);
    await page.goto(link);
    await expect(page.getByRole('heading', { name: 'Enroll a passkey' })).toBeVisible();
    expect((await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials,
      'opening the link makes no credential').toHaveLength(0);
    await checkPage(page, testInfo, 'enroll');
    await page.getByRole('button', { name: 'Create a passkey for alice' }).click();
    await expect(page.getByRole('heading', { name: 'Passkey created' })).toBeVisible();
    const fingerprint = (await page.locator('[data-fingerprint]').getAttribute('data-fingerprint')) || '';
    expect(fingerprint).not.toBe('?');
    await checkPage(page, testInfo, 'enroll-done');
    // The terminal shows the same fingerprint and asks to confirm there.
    await waitFor('the fingerprint in the terminal', 30, () => cliText.includes(fingerprint));
    enroll.child.stdin.write('yes\n');
    enroll.child.stdin.end();
    const cli = await enroll.done;
    expect(cli.code, `fedsoarctl operator passkey enroll: ${cli.stdout}${cli.stderr}`).toBe(0);
    const creds = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
    expect(creds).toHaveLength(1);
    const pkFile = `${env.keys}/signing/operators/alice.passkey.json`;
    expect(existsSync(pkFile), `${pkFile} written`).toBe(true);
    const pk = JSON.parse(readFileSync(pkFile, 'utf8'));
    expect(b64urlToB64(pk.credential_id)).toBe(creds[0].credentialId);
    expect(pk.rp_id).toBe('localhost');
    expect([-7, -8]).toContain(pk.alg);

    // --- the gate: a credential-dumping alert at beta.
    const tag = 'pk' + (Date.now() % 1e6);
    const alert = await postLsassAlert('beta-pk-ws101', tag);
    const gate = await gateFor(alert.host);
    await signIn(page, 'alice', testInfo);
    await openRoute(page, `/approvals/${gate.id}`);
    await expect(page.getByRole('heading', { name: `Approval #${gate.id}` })).toBeVisible();
    // What will be done, where, why, on what evidence, the quorum so far.
    await expect(page.getByText(/contain/).first()).toBeVisible();
    await expect(page.getByText(/\bbeta\b/).first()).toBeVisible();
    await expect(page.getByText(alert.host).first()).toBeVisible();
    await expect(page.getByText(/0\s*(of|\/)\s*1/).first()).toBeVisible();
    await checkPage(page, testInfo, 'approval-before');

    const votePosts = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith(`/api/v1/approvals/${gate.id}/votes`)) votePosts.push(r.postData());
    });
    await page.getByLabel('my passkey').check();
    await page.getByRole('button', { name: 'Approve', exact: true }).click();
    await expect(page.getByText(/was counted/)).toBeVisible();
    expect(votePosts).toHaveLength(1);
    const sent = JSON.parse(votePosts[0]);
    const assertion = JSON.parse(sent.signature);
    expect(assertion.type).toBe('webauthn');
    expect(assertion.credential_id).toBe(pk.credential_id);
    await checkPage(page, testInfo, 'approval-after');

    // The broker kept the signed vote; the site verified it and contained.
    const shown = await apiOk('GET', `/approvals/${gate.id}`);
    expect(shown.status).toBe('approved');
    expect(shown.quorum_state.votes.map((v) => [v.operator, v.decision, v.signed])).toEqual([['alice', 'approve', true]]);
    const contained = await waitFor(`beta's actuator contains ${alert.host}`, 90, () =>
      readLines(`${env.sites.beta.state}/record-only.jsonl`).find((l) =>
        l.command && l.command.action === 'contain' && JSON.stringify(l.command.target).includes(alert.host)));
    expect(contained.command.action).toBe('contain');
    const caseId = shown.case_id ?? shown.evidence?.case_id ?? shown.evidence?.id;
    const kase = await waitFor('the contain response on the case', 60, async () => {
      const c = await apiOk('GET', `/cases/${caseId}`);
      const cmd = (c.commands || []).find((x) => x.command.action === 'contain' && JSON.stringify(x.command).includes(alert.host));
      return cmd && cmd.response ? { c, cmd } : null;
    });
    expect(kase.cmd.site).toBe('beta');
    expect(kase.cmd.response.status, JSON.stringify(kase.cmd.response)).toBe(200);
    await openRoute(page, `/cases/${caseId}`);
    // The timeline: the signed vote, the command to beta and beta's answer.
    await expect(page.getByText(/alice \(approver\) voted approve, signed/).first()).toBeVisible();
    await expect(page.getByText(new RegExp(`OpenC2 contain .*${alert.host.replace(/\./g, '\\.')}.* sent to beta`)).first()).toBeVisible();
    await expect(page.getByText(/^beta answered 200\b/).first()).toBeVisible();
    await checkPage(page, testInfo, 'case-contained');

    // --- a forged vote: the same assertion on another gate, then a tampered one.
    const alert2 = await postLsassAlert('beta-pk-ws102', tag + 'b');
    const gate2 = await gateFor(alert2.host);
    await openRoute(page, `/approvals/${gate2.id}`);
    await expect(page.getByRole('heading', { name: `Approval #${gate2.id}` })).toBeVisible();
    const post = (body) => page.evaluate(async ({ id, body }) => {
      const s = await (await fetch('/api/v1/session')).json();
      const r = await fetch(`/api/v1/approvals/${id}/votes`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf_token },
        body: JSON.stringify(body),
      });
      return { status: r.status, body: await r.json().catch(() => null) };
    }, { id: gate2.id, body });
    const replayed = await post(sent);
    expect(replayed.status, JSON.stringify(replayed.body)).toBe(400);
    expect(replayed.body.detail, 'the refusal says the payload is for another gate')
      .toMatch(new RegExp(`signed vote refused: it is for approval ${gate.id} of run \\d+, not approval ${gate2.id} of run`));
    allowConsoleError(problems, new RegExp(`status of ${replayed.status}.*approvals/${gate2.id}/votes`));

    // A fresh assertion over gate2's own payload with one signature byte flipped.
    const forged = await page.evaluate(async ({ id, credId }) => {
      const b64u = (u8) => btoa(String.fromCharCode(...new Uint8Array(u8))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
      const fromB64u = (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4)), (c) => c.charCodeAt(0));
      const ap = await (await fetch(`/api/v1/approvals/${id}`)).json();
      const payload = ap.vote_payloads.approve;
      const challenge = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(payload));
      const cred = await navigator.credentials.get({ publicKey: {
        challenge, rpId: location.hostname, userVerification: 'required',
        allowCredentials: [{ type: 'public-key', id: fromB64u(credId) }] } });
      const sig = new Uint8Array(cred.response.signature);
      sig[sig.length - 5] ^= 0x01;
      return { decision: 'approve', payload, signature: JSON.stringify({
        type: 'webauthn', credential_id: b64u(cred.rawId), authenticator_data: b64u(cred.response.authenticatorData),
        client_data_json: b64u(cred.response.clientDataJSON), signature: b64u(sig) }) };
    }, { id: gate2.id, credId: pk.credential_id });
    const tampered = await post(forged);
    expect(tampered.status, JSON.stringify(tampered.body)).toBe(400);
    expect(tampered.body.detail, 'the refusal names the signature')
      .toMatch(/signed vote refused: passkey assertion: the (EdDSA|ES256) signature does not verify/);
    allowConsoleError(problems, new RegExp(`status of ${tampered.status}.*approvals/${gate2.id}/votes`));
    // The two refusals, kept beside the screenshots.
    writeFileSync(testInfo.outputPath('refusals.json'), JSON.stringify({ replayed, tampered }, null, 2));
    const still = await apiOk('GET', `/approvals/${gate2.id}`);
    expect(still.status, 'gate2 is still open').toBe('open');
    expect(still.quorum_state.votes).toEqual([]);
    expect(readLines(`${env.sites.beta.state}/record-only.jsonl`).some((l) =>
      JSON.stringify(l.command).includes(alert2.host)), 'nothing contained for the forged votes').toBe(false);
    await checkPage(page, testInfo, 'approval-forged-refused');
  });
