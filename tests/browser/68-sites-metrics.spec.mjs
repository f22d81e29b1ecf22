// Issue 14.2 (Sites, Metrics): the pages show what the API knows.
// Sites: each site's health, connection, events and backlog; the OpenC2
// capabilities matrix ticks a pair a site announced (beta's record-only
// `contain device`) and not at a site without it; the connectors each site
// runs; the alert coverage; the capability gap analysis with the
// endpoint-compromise row per alert site (runs, or what is missing) and
// what to add where.
// Metrics: with a case resolved at alpha and at beta, the MTTA, MTTC and
// MTTR charts are drawn as SVG with each site's series (a point per day
// that has a value), the MTTR parity bars have a bar per site, the legend
// and the tables name the sites.
import { test, expect, signIn, checkPage, openRoute, apiOk, waitFor, postBetaAlert, caseWith } from './helpers.mjs';

// The cell of ROW under the column headed NAME in TABLE.
async function cellUnder(table, row, name) {
  const headers = (await table.locator('thead th').allTextContents()).map((h) => h.trim());
  const col = headers.indexOf(name);
  expect(col, `a column "${name}" among ${headers.join(', ')}`).toBeGreaterThanOrEqual(0);
  return row.locator(':scope > th, :scope > td').nth(col);
}

test('sites: health, backlog, capabilities, connectors, coverage and the gap analysis', async ({ page }, testInfo) => {
  const sites = await apiOk('GET', '/sites');
  const names = Object.keys(sites).sort();
  expect(names).toEqual(['alpha', 'beta', 'hq']);
  const pairs = (n) => (sites[n].capabilities && sites[n].capabilities.pairs) || {};
  expect(pairs('beta').contain, `beta announces contain device: ${JSON.stringify(sites.beta.capabilities)}`).toContain('device');
  const [cov, gap] = await Promise.all([apiOk('GET', '/sites/coverage'), apiOk('GET', '/sites/gap')]);
  testInfo.attach('api-sites.json', { body: JSON.stringify({ sites, cov, gap }, null, 2), contentType: 'application/json' });

  await signIn(page, 'admin', testInfo);
  await openRoute(page, '/sites');
  await expect(page.getByRole('heading', { name: 'Sites', exact: true })).toBeVisible();

  // Health and backlog: a row per site, as the API has it.
  const health = page.getByRole('table', { name: 'Health and backlog' });
  for (const n of names) {
    const s = sites[n];
    const r = health.locator(`tr[data-site="${n}"]`);
    await expect(r.getByRole('rowheader')).toHaveText(n);
    await expect((await cellUnder(health, r, 'Health')).locator('.fs-badge')).toHaveText(s.health || (s.connected ? 'ok' : 'down'));
    await expect(await cellUnder(health, r, 'Connected')).toHaveText(s.connected ? 'yes' : 'no');
    expect(s.connected, `${n} is connected`).toBe(true);
    await expect(await cellUnder(health, r, 'Events in')).toHaveText(String(s.events_received ?? 0));
    await expect(await cellUnder(health, r, 'Dead letters')).toHaveText(String(s.dead_letters ?? 0));
    const b = s.backlog || {};
    await expect(await cellUnder(health, r, 'Backlog: commands')).toHaveText(String(b.commands ?? 0));
    await expect(await cellUnder(health, r, 'requests')).toHaveText(String(b.requests ?? 0));
    await expect(await cellUnder(health, r, 'outbox')).toHaveText(String(b.outbox ?? s.outbox_backlog ?? 0));
  }
  expect(sites.alpha.events_received, 'alpha sent its replayed alert').toBeGreaterThan(0);

  // The capabilities matrix: contain × device ticked at beta, and every
  // pair any site announced is a row whose cells say yes exactly where the
  // API lists the pair (the demo's sites all run record-only, so the test
  // sees no gap; the cell's yes/no still comes from each site's own list).
  const matrix = page.getByRole('table', { name: 'OpenC2 capabilities: action × target per site' });
  const pairRow = (a, t) => matrix.getByRole('row')
    .filter({ has: page.getByRole('rowheader', { name: a, exact: true }) })
    .filter({ has: page.getByRole('cell', { name: t, exact: true }) });
  await expect(pairRow('contain', 'device')).toHaveCount(1);
  await expect(await cellUnder(matrix, pairRow('contain', 'device'), 'beta')).toHaveClass(/fs-yes/);
  await expect(await cellUnder(matrix, pairRow('contain', 'device'), 'beta')).toHaveText(/yes$/);
  const allPairs = new Map();
  for (const n of names) for (const [a, ts] of Object.entries(pairs(n))) for (const t of ts) allPairs.set(`${a} ${t}`, [a, t]);
  expect(allPairs.size).toBeGreaterThan(1);
  await expect(matrix.locator('tbody tr')).toHaveCount(allPairs.size);
  for (const [a, t] of allPairs.values()) {
    for (const n of names) {
      const has = (pairs(n)[a] || []).includes(t);
      await expect(await cellUnder(matrix, pairRow(a, t), n), `${a} ${t} at ${n}`).toHaveClass(has ? /fs-yes/ : /fs-no/);
    }
  }

  // Connectors: every one the API lists, at its site.
  const conns = page.getByRole('table', { name: 'Connectors' });
  let nconn = 0;
  for (const n of names) {
    for (const c of sites[n].connectors || []) {
      nconn++;
      await expect(conns.getByRole('row').filter({ has: page.getByRole('rowheader', { name: n, exact: true }) })
        .filter({ has: page.getByRole('cell', { name: c.name, exact: true }) }).filter({ hasText: c.kind })).toHaveCount(1);
    }
  }
  expect(nconn, 'the sites run connectors').toBeGreaterThanOrEqual(4);
  for (const [n, name] of [['hq', 'threat-intel'], ['hq', 'chat'], ['beta', 'host-context'], ['alpha', 'ioc-search']]) {
    expect((sites[n].connectors || []).map((c) => c.name), `${name} at ${n}`).toContain(name);
  }

  // Alert coverage: each configured source in the state the broker measured.
  await expect(page.getByRole('heading', { name: new RegExp(`^Alert coverage \\(last ${cov.window_days} days\\)$`) })).toBeVisible();
  let nsrc = 0;
  for (const [site, s] of Object.entries(cov.sites || {})) {
    for (const [id, r] of Object.entries(s.sources || {})) {
      nsrc++;
      await expect(page.locator(`tr[data-site="${site}"][data-source="${id}"] .fs-badge`)).toHaveText(r.state);
    }
  }
  expect(nsrc, 'the sites report their sources').toBeGreaterThan(0);

  // The gap analysis: the sites side by side, endpoint-compromise per alert site, what to add.
  await expect(page.getByRole('heading', { name: 'Capability gap analysis' })).toBeVisible();
  const side = page.locator('table.fs-gap-sites');
  const pairsRow = side.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'OpenC2 pairs', exact: true }) });
  const betaPairs = gap.sites.beta.openc2_pairs || [];
  expect(betaPairs.some((p) => /contain/.test(p)), `gap: beta's pairs ${JSON.stringify(betaPairs)}`).toBe(true);
  await expect(await cellUnder(side, pairsRow, 'beta')).toHaveText(betaPairs.join(', '));
  const activeRow = side.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'Playbooks active', exact: true }) });
  await expect(await cellUnder(side, activeRow, 'beta')).toContainText('endpoint-compromise');
  const ec = (gap.playbooks || []).filter((r) => r.name === 'endpoint-compromise');
  expect(ec.length, 'the gap analysis checked endpoint-compromise').toBeGreaterThan(0);
  const gm = page.locator('table.fs-gap-matrix');
  const ecRow = gm.locator('tr[data-playbook="endpoint-compromise"]');
  await expect(ecRow).toHaveCount(1);
  for (const r of ec) {
    const cell = await cellUnder(gm, ecRow, `alert at ${r.site}`);
    await expect(cell.locator(`[data-mode="${r.mode}"]`).first()).toBeVisible();
    if (r.runnable) {
      await expect(cell).toContainText('runs');
    } else {
      await expect(cell).toContainText('missing:');
      for (const m of r.missing) await expect(cell.getByRole('listitem').filter({ hasText: m }).first()).toBeVisible();
    }
  }
  const recs = gap.recommendations || [];
  if (recs.length) {
    const add = page.getByRole('table', { name: 'What to add where' });
    await expect(add.locator('tbody tr')).toHaveCount(recs.length);
    for (const r of recs) {
      await expect(add.getByRole('row').filter({ has: page.getByRole('rowheader', { name: r.site, exact: true }) })
        .filter({ has: page.getByRole('cell', { name: r.add, exact: true }) }).first()).toBeVisible();
    }
  } else {
    await expect(page.getByText('Nothing to add: every playbook checked can run at every site it was checked for.')).toBeVisible();
  }
  await checkPage(page, testInfo, 'sites-detail');
});

test('metrics: MTTA, MTTC and MTTR drawn per site as SVG, MTTR parity as bars', async ({ page }, testInfo) => {
  const tag = String(Date.now() % 1e7);
  // A case resolved at each of alpha and beta (acknowledged, contained, closed).
  const alphaCase = (await apiOk('GET', '/cases?site=alpha&limit=100')).items
    .find((c) => c.title.startsWith('PowerShell launched a remote payload'));
  const b = await postBetaAlert(`mx-${tag}`, `m${tag}`, { technique: 'T1082', severity: 'Medium' });
  const betaCase = await caseWith(b.host);
  for (const c of [alphaCase, betaCase]) {
    await apiOk('PATCH', `/cases/${c.id}`, { status: 'containment', assignee: 'ana' });
    await apiOk('PATCH', `/cases/${c.id}`, { status: 'closed' });
  }
  const m = await waitFor('MTTR at alpha and beta', 30, async () => {
    const x = await apiOk('GET', '/metrics/response?window=7d');
    return ['alpha', 'beta'].every((s) => x.per_site && x.per_site[s] && x.per_site[s].mttr_s !== null && x.per_site[s].mttr_s !== undefined) ? x : null;
  });
  testInfo.attach('api-metrics.json', { body: JSON.stringify(m, null, 2), contentType: 'application/json' });

  await signIn(page, 'admin', testInfo);
  await openRoute(page, '/metrics?window=7d');
  await expect(page.getByRole('heading', { name: 'Response metrics' })).toBeVisible();
  const sites = [...new Set([...Object.keys(m.per_site || {}), ...(m.series || []).flatMap((d) => Object.keys(d.per_site || {}))])].sort();
  expect(sites).toEqual(expect.arrayContaining(['alpha', 'beta']));
  for (const [key, label] of [['mtta_s', 'MTTA'], ['mttc_s', 'MTTC'], ['mttr_s', 'MTTR']]) {
    const chart = page.locator(`svg.fs-chart[data-metric="${key}"]`);
    await expect(chart, `the ${label} chart`).toBeVisible();
    await expect(chart.locator('title')).toHaveText(new RegExp(`^${label} `));
    // axes: a gridline per quarter and a label per tick
    await expect(chart.locator('g.fs-axes line')).not.toHaveCount(0);
    for (const s of sites) {
      const days = (m.series || []).filter((d) => d.per_site && d.per_site[s] && d.per_site[s][key] !== null && d.per_site[s][key] !== undefined);
      await expect(chart.locator(`circle[data-site="${s}"]`), `${label}: a point per day with a value at ${s}`).toHaveCount(days.length);
      await expect(chart.locator(`polyline[data-site="${s}"]`)).toHaveCount(days.length > 1 ? 1 : 0);
    }
    for (const s of ['alpha', 'beta']) {
      await expect(chart.locator(`circle[data-site="${s}"]`).first(), `${label} has a point at ${s}`).toBeVisible();
    }
    // a site's points sit at its value: on a day both have one, the higher mean is drawn higher (smaller y)
    const both = (m.series || []).map((d, i) => [d, i]).filter(([d]) =>
      ['alpha', 'beta'].every((x) => d.per_site && d.per_site[x] && d.per_site[x][key] !== null && d.per_site[x][key] !== undefined));
    if (both.length) {
      const [d] = both[both.length - 1];
      const nth = (x) => (m.series || []).filter((e) => e.per_site && e.per_site[x] && e.per_site[x][key] !== null && e.per_site[x][key] !== undefined).indexOf(d);
      const ya = Number(await chart.locator('circle[data-site="alpha"]').nth(nth('alpha')).getAttribute('cy'));
      const yb = Number(await chart.locator('circle[data-site="beta"]').nth(nth('beta')).getAttribute('cy'));
      const [va, vb] = [d.per_site.alpha[key], d.per_site.beta[key]];
      if (va !== vb) expect(Math.sign(yb - ya), `${label}: alpha ${va} at y ${ya}, beta ${vb} at y ${yb}`).toBe(Math.sign(va - vb));
    }
  }
  // Parity: a bar per site with an MTTR, its length in order of the values.
  const parity = page.locator('svg.fs-parity');
  await expect(parity).toBeVisible();
  const bars = {};
  for (const s of sites) {
    const v = m.per_site[s] && m.per_site[s].mttr_s;
    const bar = parity.locator(`rect[data-site="${s}"]`);
    if (v === null || v === undefined) {
      await expect(bar).toHaveCount(0);
      continue;
    }
    await expect(bar).toHaveCount(1);
    bars[s] = [v, Number(await bar.getAttribute('width'))];
  }
  const [va, wa] = bars.alpha;
  const [vb, wb] = bars.beta;
  if (va !== vb) expect(Math.sign(wa - wb), `bar lengths follow MTTR: ${JSON.stringify(bars)}`).toBe(Math.sign(va - vb));
  await expect(page.locator('#fs-parity-words')).toHaveText(/^Slowest (alpha|beta) .* the fastest (alpha|beta) /);
  // the legend and the table name the sites
  const legend = page.getByRole('list', { name: 'Sites' });
  for (const s of sites) await expect(legend.getByRole('listitem').filter({ hasText: s })).toHaveCount(1);
  const table = page.locator('#fs-metrics-table');
  for (const s of sites) await expect(table.getByRole('rowheader', { name: s, exact: true })).toBeVisible();
  await checkPage(page, testInfo, 'metrics-charts');
});
