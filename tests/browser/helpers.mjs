// helpers.mjs — what every browser spec shares: the environment run.sh
// wrote, fedsoarctl and the HTTPS API from the test side, alerts posted to
// the sites' webhooks, the one-time-link sign-in, and the checks made on
// every page: no console error, no page error, no request to a host that is
// not loopback, axe-core with no serious or critical violation, a screenshot
// kept in the test's output directory.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { execFileSync, spawn } from 'node:child_process';
import { test as base, expect } from './pw.mjs';

export { expect };
export const env = JSON.parse(readFileSync(process.env.FEDSOAR_BROWSER_ENV, 'utf8'));
const AXE_SOURCE = readFileSync(env.axe, 'utf8');
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

// ---- the test side: fedsoarctl, the API, the sites' webhooks -----------------------

// fedsoarctl as OPERATOR (its own keys: KEYS/operators/NAME.*).
export function ctl(operator, ...args) {
  return execFileSync(env.bin + '/fedsoarctl',
    ['--keys', env.keys, '--control', env.control, '--operator', operator, ...args],
    { encoding: 'utf8', timeout: 60_000 });
}

// The same, in the background (a command that waits, such as passkey enroll):
// resolves {code, stdout, stderr} when it exits; onLine sees all output so
// far; child.stdin answers its questions.
// A test that fails while one still runs has it killed at the test's end.
const spawned = new Set();
export function ctlSpawn(operator, args, onLine) {
  const child = spawn(env.bin + '/fedsoarctl',
    ['--keys', env.keys, '--control', env.control, '--operator', operator, ...args],
    { stdio: ['pipe', 'pipe', 'pipe'] });
  spawned.add(child);
  child.on('close', () => spawned.delete(child));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
    if (onLine) onLine(stdout);
  });
  child.stderr.on('data', (d) => {
    stderr += d;
    if (onLine) onLine(stdout + stderr);
  });
  const done = new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

// The API with the admin token (the test's own view; NODE_EXTRA_CA_CERTS
// makes Node trust the broker's CA). Answers {status, body}.
export async function api(method, path, body) {
  const r = await fetch(env.base + '/api/v1' + path, {
    method,
    headers: {
      Authorization: 'Bearer ' + env.admin_token,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch { json = text; }
  return { status: r.status, body: json };
}

export async function apiOk(method, path, body) {
  const r = await api(method, path, body);
  if (r.status < 200 || r.status > 299) {
    throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body).slice(0, 400)}`);
  }
  return r.body;
}

// Polls FN (async, truthy = done) every 300 ms for up to SECONDS.
export async function waitFor(what, seconds, fn) {
  const deadline = Date.now() + seconds * 1000;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${seconds}s waiting for ${what} (last: ${last})`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

async function postWebhook(site, body) {
  const r = await fetch(env.sites[site].webhook, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Fedsoar-Token': env.hook_token },
    body: JSON.stringify(body),
  });
  const text = await r.text();
  if (r.status !== 202) throw new Error(`webhook ${site}: ${r.status} ${text}`);
  return JSON.parse(text);
}

// A Defender for Endpoint credential-dumping alert (the demo's LSASS sample,
// T1003.001) on HOST at beta: endpoint-compromise opens a gate to contain it.
export async function postLsassAlert(host, tag) {
  const doc = JSON.parse(readFileSync(env.src + '/deploy/demo/samples/beta-defender-lsass.json', 'utf8'));
  const a = doc.value[0];
  a.id = 'da6386724111' + tag;
  a.computerDnsName = host + '.beta.example';
  a.machineId = (tag + '0'.repeat(40)).replace(/[^0-9a-f]/g, 'a').slice(0, 40);
  await postWebhook('beta', { value: [a] });
  return { host: host + '.beta.example', alertId: a.id, machineId: a.machineId };
}

// A Defender for Endpoint alert on HOST at beta that shares nothing with any
// other alert (its own device, file hashes made from TAG, no user), so it
// opens a case of its own: TECHNIQUE T1003.* starts endpoint-compromise
// (enrichment, the chat message with the approval link, a gate), anything
// else runs no playbook. SEVERITY is Defender's word (Informational, Low,
// Medium, High).
export async function postBetaAlert(host, tag, { technique = 'T1003.001', severity = 'High', title } = {}) {
  const doc = JSON.parse(readFileSync(env.src + '/deploy/demo/samples/beta-defender-lsass.json', 'utf8'));
  const a = doc.value[0];
  const hex = (n) => createHash('sha256').update(`${tag}:${n}`).digest('hex');
  a.id = 'da6386724199' + tag;
  a.computerDnsName = host + '.beta.example';
  a.machineId = hex('machine').slice(0, 40);
  a.severity = severity;
  a.mitreTechniques = [technique];
  if (title) a.title = title;
  delete a.relatedUser;
  a.evidence = [{ ...a.evidence[0], sha1: hex('sha1').slice(0, 40), sha256: hex('sha256'), fileName: `t${tag}.exe` }];
  await postWebhook('beta', { value: [a] });
  return { host: host + '.beta.example', alertId: a.id, sha256: a.evidence[0].sha256, title: a.title };
}

// The case whose observables hold VALUE (GET /cases?observable=).
export async function caseWith(value, seconds = 60) {
  return waitFor(`the case of ${value}`, seconds, async () => {
    const r = await apiOk('GET', `/cases?observable=${encodeURIComponent(value)}&limit=5`);
    return r.items.length === 1 ? r.items[0] : null;
  });
}

// A second CrowdStrike alert at alpha on the same device as the replayed one
// (its observables shared): correlation adds it to the same case.
export async function postAlphaFollowUp(tag) {
  const doc = JSON.parse(readFileSync(env.src + '/deploy/demo/samples/alpha-crowdstrike-alerts.json', 'utf8'));
  const a = doc.resources[0];
  a.composite_id = a.composite_id.replace(/-\d+$/, '-' + tag);
  a.id = a.id.replace(/-\d+$/, '-' + tag);
  a.display_name = 'Follow-up ' + tag + ': ' + a.display_name;
  await postWebhook('alpha', { ...doc, resources: [a] });
  return a;
}

// The open gate whose reason names HOST (GET /approvals, admin token).
export async function gateFor(host, seconds = 60) {
  return waitFor(`the gate to contain ${host}`, seconds, async () => {
    const r = await apiOk('GET', '/approvals?limit=100');
    return r.items.find((g) => JSON.stringify(g).includes(host));
  });
}

// ---- the browser side ----------------------------------------------------------------

// Every page of CONTEXT is watched: console errors, page errors, requests to
// hosts other than loopback (which are also aborted, so nothing leaves).
// Problems land in PROBLEMS; allowConsoleError(problems, regex) takes one
// expected console error out (only for a failure the test provoked itself).
export async function watchContext(context, problems) {
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (!isLoopback(url)) {
      problems.push(`request to a non-loopback host: ${url}`);
      return route.abort('blockedbyclient');
    }
    return route.continue();
  });
  context.on('request', (req) => {
    if (!isLoopback(req.url())) problems.push(`request to a non-loopback host: ${req.url()}`);
  });
  const watchPage = (page) => {
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      const where = msg.location() && msg.location().url ? ` (${msg.location().url})` : '';
      problems.push({ console: msg.text() + where, page: page.url() });
    });
    page.on('pageerror', (err) => problems.push(`page error on ${page.url()}: ${err.message}`));
    page.on('websocket', (ws) => {
      if (!isLoopback(ws.url())) problems.push(`websocket to a non-loopback host: ${ws.url()}`);
    });
  };
  context.pages().forEach(watchPage);
  context.on('page', watchPage);
}

function isLoopback(url) {
  let u;
  try { u = new URL(url); } catch { return false; }
  if (u.protocol === 'data:' || u.protocol === 'blob:' || u.protocol === 'about:') return true;
  return LOOPBACK.has(u.hostname);
}

// Takes out of PROBLEMS the console errors matching RE (at most COUNT):
// only for failures the test provoked on purpose (a 403 it sent itself).
export function allowConsoleError(problems, re, count = 1) {
  for (let i = problems.length - 1; i >= 0 && count > 0; i--) {
    const p = problems[i];
    if (typeof p === 'object' && re.test(p.console)) {
      problems.splice(i, 1);
      count--;
    }
  }
}

export function describeProblems(problems) {
  return problems.map((p) => (typeof p === 'string' ? p : `console error on ${p.page}: ${p.console}`));
}

// The fixtures: `problems` (auto) watches the default context and, at the
// end of each test, expects none; `newWatchedContext()` makes more contexts
// (another operator's browser) watched the same way and closed at the end.
export const test = base.extend({
  problems: [async ({ context }, use) => {
    const problems = [];
    await watchContext(context, problems);
    await use(problems);
    for (const child of spawned) child.kill();
    expect(describeProblems(problems), 'console errors, page errors, non-loopback requests').toEqual([]);
  }, { auto: true }],
  newWatchedContext: async ({ browser, problems }, use) => {
    const made = [];
    await use(async () => {
      const ctx = await browser.newContext();
      await watchContext(ctx, problems);
      made.push(ctx);
      return ctx;
    });
    for (const ctx of made) await ctx.close();
  },
});

// Signs OPERATOR in on PAGE through the one-time link of fedsoarctl login
// --web: the GET shows a confirmation (and signs nobody in), the button
// POSTs, "Continue" opens the console. SHOT(name) screenshots each page.
export async function signIn(page, operator, testInfo) {
  const out = ctl(operator, 'login', '--web');
  const m = out.match(/https:\/\/\S+\/login\/[A-Za-z0-9_.-]+/);
  expect(m, `fedsoarctl login --web printed a link: ${out}`).not.toBeNull();
  const link = m[0];
  expect(new URL(link).origin, 'the link is on the broker URL').toBe(new URL(env.base).origin);
  await page.goto(link);
  await expect(page.getByRole('heading', { name: 'Sign in to fedsoar' })).toBeVisible();
  const who = await page.request.get(env.base + '/api/v1/session');
  expect(who.status(), 'the GET of the link signed nobody in').toBe(401);
  if (testInfo) await shot(page, testInfo, `signin-confirm-${operator}`);
  await page.getByRole('button', { name: `Sign in as ${operator}` }).click();
  await expect(page.getByRole('heading', { name: 'Signed in' })).toBeVisible();
  if (testInfo) await shot(page, testInfo, `signin-done-${operator}`);
  await page.getByRole('link', { name: 'Continue' }).click();
  await page.waitForURL((u) => u.pathname === '/' || u.pathname === '/index.html');
  await expect(page.getByRole('navigation')).toBeVisible();
}

// Screenshot of the whole page into the test's output directory (kept as
// a CTest artifact) and attached to the report.
export async function shot(page, testInfo, name) {
  const path = testInfo.outputPath(name.replace(/[^A-Za-z0-9_.-]/g, '_') + '.png');
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}

// axe-core in the page. The console's CSP (script-src 'self', no
// unsafe-inline) blocks page.addScriptTag (it injects an inline script),
// so the source runs through CDP evaluation (page.evaluate), which CSP does
// not govern; the page's own policy stays as served.
export async function axeCheck(page, name) {
  const hasAxe = await page.evaluate(() => typeof window.axe === 'object');
  if (!hasAxe) await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
    }));
  });
  const bad = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad, `axe-core: serious or critical violations on ${name} (${page.url()})`).toEqual([]);
  return result;
}

// Both: what every page visited gets.
export async function checkPage(page, testInfo, name) {
  await shot(page, testInfo, name);
  await axeCheck(page, name);
}

// Opens a console route (#/cases, #/approvals/7, ...) in PAGE.
export async function openRoute(page, hash) {
  await page.goto(env.base + '/#' + hash.replace(/^#/, ''));
}

export function readLines(path) {
  try {
    return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  } catch {
    return [];
  }
}

