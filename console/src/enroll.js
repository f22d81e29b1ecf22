// enroll.js — completes a passkey enrollment started by
// `fedsoarctl operator passkey enroll NAME` (#/enroll/NONCE).
//
//   GET  /api/v1/passkey-enrollments/NONCE   the creation options (base64url
//                                            fields) for this operator
//   navigator.credentials.create(...)        on this device (user verification
//                                            required; rp.id = the broker's host)
//   POST /api/v1/passkey-enrollments/NONCE   {credential_id, public_key (SPKI DER,
//                                            base64url), alg, client_data_json}
//
// The nonce is the credential of these two public routes (like /login/NONCE),
// so they are called with fetch directly, not through api.js: no session is
// needed and none is used. Opening the page does nothing until the button is
// pressed (a link preview must not start a ceremony). Trust does not land
// here: the CLI that started it shows the fingerprint and writes
// NAME.passkey.json into its key store (docs/console.md "Passkeys").
//
// The mapping between the API's field names and WebAuthn's lives in
// creationOptions() and registrationBody() only.

import { el, show } from './dom.js';
import { base64urlToBytes, bytesToBase64url, passkeySupported } from './signing.js';

const ROUTE = '/api/v1/passkey-enrollments/';

// API answer -> PublicKeyCredentialCreationOptions (ArrayBuffers decoded).
export function creationOptions(answer) {
  const o = answer.publicKey || answer.options || answer;
  const user = o.user || {};
  const rpId = (o.rp && o.rp.id) || o.rp_id || answer.rp_id || location.hostname;
  return {
    challenge: base64urlToBytes(o.challenge),
    rp: { id: rpId, name: (o.rp && o.rp.name) || 'fedsoar' },
    user: {
      id: base64urlToBytes(user.id || o.user_id),
      name: user.name || answer.operator || o.operator || 'operator',
      displayName: user.displayName || user.display_name || user.name || answer.operator || 'operator',
    },
    pubKeyCredParams: o.pubKeyCredParams || o.pub_key_cred_params || [{ type: 'public-key', alg: -8 }, { type: 'public-key', alg: -7 }],
    authenticatorSelection: o.authenticatorSelection || { userVerification: 'required', residentKey: 'preferred' },
    excludeCredentials: (o.excludeCredentials || o.exclude_credentials || []).map((c) => ({
      type: 'public-key', id: base64urlToBytes(typeof c === 'string' ? c : c.id),
    })),
    attestation: 'none',
    timeout: o.timeout || 120000,
  };
}

// PublicKeyCredential -> the POST body.
export function registrationBody(cred) {
  const r = cred.response;
  const spki = r.getPublicKey ? r.getPublicKey() : null;
  if (!spki) throw new Error('this browser does not give the public key (getPublicKey): use a current Chromium or Firefox');
  return {
    credential_id: bytesToBase64url(cred.rawId),
    public_key: bytesToBase64url(spki),
    alg: r.getPublicKeyAlgorithm(),
    client_data_json: bytesToBase64url(r.clientDataJSON),
  };
}

async function call(method, nonce, body) {
  const res = await fetch(ROUTE + encodeURIComponent(nonce), {
    method,
    credentials: 'same-origin',
    headers: body ? { 'Content-Type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const err = new Error((data && (data.detail || data.title)) || res.status + ' ' + res.statusText);
    err.status = res.status;
    throw err;
  }
  return data;
}

export async function renderEnroll(root, route) {
  const nonce = (route && route.params && route.params.nonce) || location.hash.replace(/^#\/?/, '').split('/').filter(Boolean)[1];
  const out = el('p', { 'aria-live': 'polite', class: 'gv-enroll-result' });
  show(root, el('h2', {}, 'Enroll a passkey'), out);
  if (!nonce || !/^[A-Za-z0-9_.-]{8,128}$/.test(nonce)) {
    out.textContent = 'This enrollment link is not valid: start again with fedsoarctl operator passkey enroll NAME.';
    out.classList.add('fs-error');
    return;
  }
  if (!passkeySupported()) {
    out.textContent = 'This browser has no passkey support (WebAuthn).';
    out.classList.add('fs-error');
    return;
  }
  let answer;
  try {
    answer = await call('GET', nonce);
  } catch (err) {
    out.textContent = 'This enrollment cannot be completed: ' + err.message + ' (links work once, for a short time).';
    out.classList.add('fs-error');
    return;
  }
  const opts = answer.publicKey || answer.options || answer;
  const who = answer.operator || (opts.user && opts.user.name) || '?';
  const button = el('button', { type: 'button', class: 'gv-button gv-approve' }, 'Create a passkey for ' + who);
  show(
    root,
    el('h2', {}, 'Enroll a passkey'),
    el('p', {}, ['Operator ', el('strong', {}, who), '. Your device will ask you to verify yourself (PIN, fingerprint or face). ',
      'The passkey signs your votes and playbook approvals in this console; its private part never leaves the device.']),
    el('p', {}, button),
    out,
  );
  button.addEventListener('click', async () => {
    button.disabled = true;
    out.classList.remove('fs-error');
    out.textContent = 'Waiting for your device…';
    try {
      const cred = await navigator.credentials.create({ publicKey: creationOptions(answer) });
      if (!cred) throw new Error('no credential was made');
      out.textContent = 'Sending the public key…';
      const done = await call('POST', nonce, registrationBody(cred));
      const fp = (done && (done.fingerprint || (done.passkey && done.passkey.fingerprint))) || '?';
      show(
    root,
        el('h2', {}, 'Passkey created'),
        el('p', {}, 'Fingerprint of the new public key:'),
        el('p', { class: 'gv-mono gv-fingerprint', 'data-fingerprint': fp }, fp),
        el('p', { class: 'gv-lead' }, 'Return to the terminal: it shows the fingerprint it received, which must be this one, and writes NAME.passkey.json into its key store. The broker and the sites trust the passkey once that file is where they read operators\' keys.'),
      );
    } catch (err) {
      out.textContent = 'Not enrolled: ' + (err && err.message ? err.message : err);
      out.classList.add('fs-error');
      button.disabled = false;
    }
  });
}

export default renderEnroll;
