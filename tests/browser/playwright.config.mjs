// Playwright configuration of the browser tests (tests/browser/run.sh starts
// the broker and sites and sets FEDSOAR_BROWSER_ENV; see README there).
// Debian's Chromium only (never a downloaded browser), flags from
// the machine notes: no sandbox (root), no GPU, no QUIC, no background
// networking (the network is closed; Chromium would try Google's hosts).
import { readFileSync } from 'node:fs';
import { defineConfig } from './pw.mjs';

const envFile = process.env.FEDSOAR_BROWSER_ENV;
if (!envFile) throw new Error('FEDSOAR_BROWSER_ENV is not set: run tests/browser/run.sh');
const env = JSON.parse(readFileSync(envFile, 'utf8'));

export default defineConfig({
  testDir: '.',
  testMatch: /.*\.spec\.mjs$/,
  outputDir: process.env.FEDSOAR_BROWSER_OUT || 'test-results',
  // One broker for all specs: one worker, files in name order.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 180_000,
  expect: { timeout: 20_000 },
  reporter: [['list']],
  use: {
    baseURL: env.base,
    // The certificate is trusted by its key (--ignore-certificate-errors-spki-list),
    // so pages are secure contexts without errors (WebAuthn needs it).
    ignoreHTTPSErrors: false,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    actionTimeout: 20_000,
    navigationTimeout: 30_000,
    serviceWorkers: 'block',
    launchOptions: {
      executablePath: env.chromium,
      args: [
        '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
        `--ignore-certificate-errors-spki-list=${env.spki}`,
      ],
    },
  },
  projects: [{ name: 'chromium' }],
});
