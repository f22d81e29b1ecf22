// signing.js — signatures made in this tab, never by the broker.
//
// Two signers with one face, sign(payloadText) -> Promise<signatureString>:
//  - the operator's Ed25519 key file (KEYS/operators/NAME.sign.pem, PKCS#8
//    PEM) imported into WebCrypto as NON-extractable. The CryptoKey lives in
//    this module's variable for the tab's life only: never stored, never
//    sent. The signature is standard padded base64 of the 64 raw bytes over
//    the UTF-8 payload text, exactly what federation/signing.c keys_sign
//    (EVP_EncodeBlock) gives the CLI, so the broker and the sites verify it
//    with the same code.
//  - a passkey (WebAuthn): an assertion whose challenge is SHA-256 of the
//    payload bytes; the signature field is the JSON text
//    {"type":"webauthn","credential_id","authenticator_data",
//     "client_data_json","signature"} with base64url (unpadded) fields,
//    the format playbooks/signed.c verifies (docs/console.md "Signing").
//
// The payload text is signed exactly as the API gave it (vote_payloads) or
// as the CLI builds it (governanceApprovalPayload below mirrors
// playbooks/signed.c governance_approval_payload).

const enc = new TextEncoder();

let keyFile = null; // {key: CryptoKey (non-extractable), name: file name}

// ---- encodings ------------------------------------------------------------

export function bytesToBase64(bytes) {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let s = '';
  for (let i = 0; i < u8.length; i += 0x8000) {
    s += String.fromCharCode.apply(null, u8.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

export function bytesToBase64url(bytes) {
  return bytesToBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function base64urlToBytes(text) {
  const b64 = String(text).replace(/-/g, '+').replace(/_/g, '/');
  const padded = b64 + '='.repeat((4 - (b64.length % 4)) % 4);
  const bin = atob(padded);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}

// ---- the governance approval payload (as fedsoarctl playbook approve) ------

// Canonical JSON (sorted keys, compact) of
// {"decision","member","time","type":"fedsoar-approval/1","version"}: the
// values are an operator name ([a-z0-9_-]), a 64-hex version, a decision
// word and an integer, so JSON.stringify of the sorted object is byte for
// byte what fs_json_canonical writes.
export function governanceApprovalPayload(version, decision, member, timeMs) {
  if (!/^[0-9a-f]{64}$/.test(version)) throw new Error('the version must be the full 64-hex hash');
  if (decision !== 'approve' && decision !== 'reject') throw new Error('decision: approve or reject');
  if (!/^[a-z0-9_-]{1,32}$/.test(member || '')) throw new Error('not an operator name: ' + member);
  const t = Math.trunc(Number(timeMs));
  return JSON.stringify({
    decision,
    member,
    time: t,
    type: 'fedsoar-approval/1',
    version,
  });
}

// ---- the key file signer ----------------------------------------------------

function pemToDer(text) {
  const m = /-----BEGIN PRIVATE KEY-----([\s\S]+?)-----END PRIVATE KEY-----/.exec(text);
  if (!m) {
    if (/BEGIN ENCRYPTED PRIVATE KEY/.test(text)) throw new Error('the key is encrypted: use the plain PKCS#8 file fedsoarctl keys init wrote');
    throw new Error('not a PKCS#8 PEM private key (expected NAME.sign.pem)');
  }
  const bin = atob(m[1].replace(/\s+/g, ''));
  const der = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) der[i] = bin.charCodeAt(i);
  return der;
}

export function webCryptoEd25519Supported() {
  return typeof crypto !== 'undefined' && !!crypto.subtle;
}

// Reads a File (from <input type=file>) and imports it; the text is dropped.
export async function loadKeyFile(file) {
  if (!file) throw new Error('no file chosen');
  if (file.size > 16384) throw new Error('that file is too large to be an Ed25519 key');
  const der = pemToDer(await file.text());
  let key;
  try {
    key = await crypto.subtle.importKey('pkcs8', der, { name: 'Ed25519' }, false, ['sign']);
  } catch (err) {
    throw new Error('this browser could not import the key as Ed25519 (' + (err && err.message ? err.message : err) + ')');
  } finally {
    der.fill(0);
  }
  keyFile = { key, name: file.name };
  return keyFile.name;
}

export function keyFileName() {
  return keyFile ? keyFile.name : null;
}

export function forgetKeyFile() {
  keyFile = null;
}

export async function signWithKeyFile(payloadText) {
  if (!keyFile) throw new Error('choose your key file first');
  const sig = await crypto.subtle.sign({ name: 'Ed25519' }, keyFile.key, enc.encode(payloadText));
  if (sig.byteLength !== 64) throw new Error('the signature is not 64 bytes');
  return bytesToBase64(sig);
}

// ---- the passkey signer -----------------------------------------------------

export function passkeySupported() {
  return typeof window !== 'undefined' && !!window.PublicKeyCredential && !!navigator.credentials;
}

// credentialIds: base64url ids the API says the operator enrolled ([] lets
// the authenticator offer any discoverable credential for this rpId).
export async function signWithPasskey(payloadText, credentialIds = []) {
  if (!passkeySupported()) throw new Error('this browser has no WebAuthn (passkeys)');
  const challenge = await sha256(enc.encode(payloadText));
  const assertion = await navigator.credentials.get({
    publicKey: {
      challenge,
      rpId: location.hostname,
      userVerification: 'required',
      timeout: 120000,
      allowCredentials: credentialIds.map((id) => ({ type: 'public-key', id: base64urlToBytes(id) })),
    },
  });
  if (!assertion) throw new Error('no passkey answered');
  const r = assertion.response;
  return JSON.stringify({
    type: 'webauthn',
    credential_id: bytesToBase64url(assertion.rawId),
    authenticator_data: bytesToBase64url(r.authenticatorData),
    client_data_json: bytesToBase64url(r.clientDataJSON),
    signature: bytesToBase64url(r.signature),
  });
}

// ---- one face ---------------------------------------------------------------

// kind: 'keyfile' | 'passkey'. Returns {sign(payloadText) -> Promise<string>}.
export function signer(kind, options = {}) {
  if (kind === 'keyfile') return { kind, sign: (text) => signWithKeyFile(text) };
  if (kind === 'passkey') return { kind, sign: (text) => signWithPasskey(text, options.credentialIds || []) };
  throw new Error('unknown signer ' + kind);
}
