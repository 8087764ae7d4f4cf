// Reports: open the page on a workspace with imported leads, see the funnel count them, change
// the range and a filter and see the figures change, download a table as CSV and read it back.
// Screenshots of the page and of each chart.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { BASE, OUT, launch, hydrated, shot, unique, ownerWithWorkspace, importDemoLeads, demoWorkspace } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const pipeline = (page) => page.textContent('[data-testid=funnel-pipeline]').then((t) => Number(t.trim()));

test('the reports page counts the funnel, follows the range and filters, and exports CSV', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const wsUrl = await ownerWithWorkspace(page, { name: 'Rita Reports', email: `${unique('reports')}@example.com`, password: 'correct horse battery' }, 'Report Lab');
  await importDemoLeads(page, wsUrl);

  await page.goto(`${wsUrl}/reports`);
  await hydrated(page);
  await page.waitForSelector('[data-testid=funnel-pipeline]');
  // The demo file brings in 43 leads today: all of them entered the pipeline in the last 30 days.
  assert.equal(await pipeline(page), 43);
  assert.equal(await page.getAttribute('[data-testid=kpi-reply_rate]', 'data-status'), 'no_data');
  await page.waitForSelector('[data-testid=chart-funnel] svg[role=img]');
  await shot(page, '60-reports');
  for (const chart of ['funnel', 'sends', 'replies', 'costs']) {
    const el = page.locator(`[data-testid=chart-${chart}]`);
    await el.screenshot({ path: join(OUT, `61-chart-${chart}.png`) });
    // every chart carries its numbers in a table
    assert.ok(await page.locator(`[data-testid=chart-${chart}-table] tbody tr`).count() > 0, chart);
  }

  // A custom range before the import: nothing entered then.
  await page.fill('[data-testid=range-from]', '2025-01-01');
  await page.dispatchEvent('[data-testid=range-from]', 'change');
  await page.fill('[data-testid=range-to]', '2025-01-31');
  await page.dispatchEvent('[data-testid=range-to]', 'change');
  await page.waitForFunction(() => document.querySelector('[data-testid=report-range]')?.textContent.startsWith('2025-01-01 to 2025-01-31'));
  assert.equal(await pipeline(page), 0);

  // Back to 7 days, then a channel with no messages: the pipeline is the leads that entered,
  // the outreach stage counts only messages on that channel.
  await page.click('[data-testid=preset-7]');
  await page.waitForFunction(() => document.querySelector('[data-testid=funnel-pipeline]')?.textContent.trim() === '43');
  await page.selectOption('[data-testid=filter-channel]', 'linkedin');
  await page.waitForFunction(() => document.querySelector('[data-testid=funnel-outreach]')?.textContent.trim() === '0');

  // The funnel table downloads as CSV with a BOM and the same figures.
  const href = await page.getAttribute('[data-testid=report-funnel-csv]', 'href');
  assert.match(href, /channel=linkedin/);
  const csv = await page.evaluate(async (u) => {
    const r = await fetch(u);
    const bytes = new Uint8Array(await r.arrayBuffer());
    return { type: r.headers.get('content-type'), bom: Array.from(bytes.slice(0, 3)), text: new TextDecoder().decode(bytes.slice(3)) };
  }, href);
  assert.equal(csv.type, 'text/csv; charset=utf-8');
  assert.deepEqual(csv.bom, [0xef, 0xbb, 0xbf]);
  const rows = csv.text.trim().split('\r\n').map((l) => l.split(','));
  assert.deepEqual(rows[0].slice(0, 3), ['stage', 'leads', 'conversion_from_previous_pct']);
  assert.deepEqual(rows[1].slice(0, 2), ['Pipeline', '43']);
  assert.deepEqual(rows[2].slice(0, 2), ['Outreach', '0']);
  await shot(page, '62-reports-filtered');
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('the demo workspace carries 90 days of history in every chart and table', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const wsUrl = await demoWorkspace(page);
  await page.goto(`${wsUrl}/reports`);
  await hydrated(page);
  await page.click('[data-testid=preset-90]');
  await page.waitForFunction(() => document.querySelector('[data-testid=report-range]')?.textContent.includes(' to '));
  // the earlier campaigns' 160 leads and this week's entered the pipeline in the last 90 days
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=funnel-pipeline]')?.textContent.trim()) >= 160);
  for (const stage of ['outreach', 'engaged', 'meeting']) {
    assert.ok(Number((await page.textContent(`[data-testid=funnel-${stage}]`)).trim()) > 0, stage);
  }
  // numbers per day in the charts' tables: sends on most weekdays, replies on many
  const nonZeroDays = (chart) => page.$$eval(`[data-testid=chart-${chart}-table] tbody tr`,
    (rows) => rows.filter((r) => [...r.querySelectorAll('td')].some((td) => Number(td.textContent) > 0)).length);
  assert.ok(await nonZeroDays('sends') >= 40, 'sends per day');
  assert.ok(await nonZeroDays('replies') >= 10, 'replies per day');
  assert.ok(await page.locator('[data-testid=cost-table] tbody tr').count() >= 3, 'spend by provider');
  for (const [table, min] of [['report-campaigns', 3], ['report-steps', 3], ['report-angles', 3], ['report-mailboxes', 2]]) {
    assert.ok(await page.locator(`[data-testid=${table}] [data-testid=breakdown-row]`).count() >= min, table);
  }
  assert.ok(await page.locator('[data-testid=variant-row]').count() >= 3, 'A/B pairs');
  for (const kpi of ['reply_rate', 'bounce_rate', 'booking_rate']) {
    assert.notEqual(await page.getAttribute(`[data-testid=kpi-${kpi}]`, 'data-status'), 'no_data', kpi);
  }
  await shot(page, '63-reports-demo-90-days');
  for (const chart of ['sends', 'replies']) {
    await page.locator(`[data-testid=chart-${chart}]`).screenshot({ path: join(OUT, `64-demo-chart-${chart}.png`) });
  }
  assert.deepEqual(errors, []);
  await ctx.close();
});
