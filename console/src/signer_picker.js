// signer_picker.js — the "sign with" control shared by the Approvals and
// Governance pages: key file or passkey, the file chooser, and what the
// choice will do. The signature itself is made by signing.js, in this tab.
//
//   const picker = signerPicker();   // picker.node: the fieldset to insert
//   const sig = await picker.sign(payloadText);

import * as api from './api.js';
import { el } from './dom.js';
import { keyFileName, loadKeyFile, passkeySupported, signer } from './signing.js';

let counter = 0;

export function signerPicker(opts = {}) {
  const n = ++counter;
  const name = 'gv-signer-' + n;
  const status = el('p', { class: 'gv-signer-status', 'aria-live': 'polite' });
  const file = el('input', { type: 'file', id: name + '-file', accept: '.pem,application/x-pem-file' });
  const keyRadio = el('input', { type: 'radio', name, id: name + '-key', value: 'keyfile' });
  const passRadio = el('input', { type: 'radio', name, id: name + '-pass', value: 'passkey' });
  const fileRow = el('p', { class: 'gv-signer-file' }, [
    el('label', { for: name + '-file' }, 'Your key file (NAME.sign.pem): '),
    file,
  ]);
  const showStatus = () => {
    const loaded = keyFileName();
    if (keyRadio.checked) {
      status.textContent = loaded
        ? 'Signing with ' + loaded + ' (held in this tab only, never sent).'
        : 'Choose your Ed25519 key file; it stays in this tab and is never sent.';
    } else {
      status.textContent = passkeySupported()
        ? 'Your passkey will be asked to sign (user verification required).'
        : 'This browser has no passkey support.';
    }
    fileRow.hidden = !keyRadio.checked;
  };
  if (opts.preferPasskey && passkeySupported()) passRadio.checked = true;
  else keyRadio.checked = true;
  keyRadio.addEventListener('change', showStatus);
  passRadio.addEventListener('change', showStatus);
  file.addEventListener('change', async () => {
    try {
      await loadKeyFile(file.files[0]);
    } catch (err) {
      status.textContent = String(err && err.message ? err.message : err);
      status.classList.add('fs-error');
      file.value = '';
      return;
    }
    file.value = ''; // the File object is not kept; the key is a non-extractable CryptoKey
    status.classList.remove('fs-error');
    showStatus();
  });
  const node = el('fieldset', { class: 'gv-signer' }, [
    el('legend', {}, 'Sign with'),
    el('p', {}, [keyRadio, el('label', { for: name + '-key' }, ' my key file'), ' ',
      passRadio, el('label', { for: name + '-pass' }, ' my passkey')]),
    fileRow,
    status,
  ]);
  showStatus();
  return {
    node,
    kind: () => (passRadio.checked ? 'passkey' : 'keyfile'),
    sign: async (payloadText) => {
      if (!passRadio.checked) return signer('keyfile', opts).sign(payloadText);
      // The operator's enrolled passkey (GET /api/v1/session), so the browser
      // asks for that one instead of any passkey it holds for this site.
      const who = await api.session().catch(() => ({}));
      const ids = opts.credentialIds || (who.passkey_credential_id ? [who.passkey_credential_id] : []);
      return signer('passkey', { ...opts, credentialIds: ids }).sign(payloadText);
    },
  };
}
