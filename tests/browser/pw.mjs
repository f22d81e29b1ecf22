// The one @playwright/test the specs and the config use: the console's
// pinned copy (console/package-lock.json), imported by path because
// tests/browser/ has no node_modules of its own.
export * from '../../console/node_modules/@playwright/test/index.mjs';
