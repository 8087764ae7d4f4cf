// Import the demo CSV, watch its progress, open a lead and read every reason of its score.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BASE, launch, hydrated, shot, unique, signUp } from './helpers.mjs';

const DEMO_CSV = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'demo-leads.csv');

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('import the demo CSV, watch progress, open a lead and see why it scored', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await signUp(page, { name: 'Lena Leads', email: `${unique('leads')}@example.com`, password: 'correct horse battery' });
  await page.waitForURL(`${BASE}/workspaces/new`);
  await hydrated(page);
  await page.fill('#name', 'Lead Lab');
  await page.click('button[type=submit]');
  await page.waitForURL(/\/w\/[0-9a-f-]{36}$/);
  const wsUrl = page.url();

  await page.goto(`${wsUrl}/leads`);
  await hydrated(page);
  await page.waitForSelector('text=No leads match');
  await shot(page, '20-leads-empty');

  await page.click('[data-testid=import-panel] summary');
  await page.setInputFiles('#import-file', DEMO_CSV);
  await page.click('[data-testid=import-form] button[type=submit]');
  await page.waitForURL(/\/leads\?import=/);
  await hydrated(page);
  await page.waitForSelector('[data-testid=import-progress]');
  await page.waitForSelector('[data-testid=import-status]:has-text("completed")', { timeout: 30_000 });
  const counts = await page.textContent('[data-testid=import-counts]');
  assert.match(counts, /43 imported/);
  assert.match(counts, /2 duplicates/);
  assert.match(counts, /5 with problems/);
  await page.waitForSelector('[data-testid=error-report]');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=lead-row]').length > 0);
  await shot(page, '21-leads-imported');

  // The error report downloads as CSV.
  const href = await page.getAttribute('[data-testid=error-report]', 'href');
  const report = await page.evaluate(async (u) => (await fetch(u)).text(), href);
  assert.match(report, /^row,column,kind,message/);

  // Search narrows the table.
  await page.fill('#f-q', 'Whitfield');
  await page.click('[data-testid=lead-filters] button[type=submit]');
  await page.waitForURL(/q=Whitfield/);
  await hydrated(page);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=lead-row]').length === 1);
  // The worker enriches the new leads in the background, then scores them: wait for the score.
  for (let i = 0; i < 60; i++) {
    const als = await page.textContent('[data-testid=lead-row] td:nth-child(3)');
    if (/\d/.test(als)) break;
    await page.waitForTimeout(1000);
    await page.reload();
    await hydrated(page);
    await page.waitForSelector('[data-testid=lead-row]');
  }
  await shot(page, '22-leads-search');

  await page.click('[data-testid=lead-row] a');
  await page.waitForURL(/\/leads\/[0-9a-f-]{36}$/);
  await page.waitForSelector('[data-testid=score-reason]');
  assert.equal((await page.textContent('[data-testid=lead-name]')).trim(), 'James Whitfield');
  const reasons = await page.$$eval('[data-testid=score-reason]', (els) => els.map((e) => e.textContent));
  assert.ok(reasons.some((r) => /^\+\d+ .*title/.test(r.trim())), `an authority reason among ${reasons}`);
  const als = Number((await page.textContent('[data-testid=lead-als]')).trim());
  assert.ok(als >= 0 && als <= 100);
  await shot(page, '23-lead-detail');

  // An API key from Settings lets another system add leads over the REST API.
  await page.goto(`${wsUrl}/settings`);
  await hydrated(page);
  await page.fill('#api-key-name', 'CRM sync');
  await page.click('[data-testid=api-key-form] button[type=submit]');
  const secret = await (await page.waitForSelector('[data-testid=api-key-secret]')).inputValue();
  assert.match(secret, /^aos_live_/);
  await shot(page, '24-api-key-created');
  const status = await page.evaluate(async ([base, key]) => {
    const r = await fetch(`${base}/api/v1/leads`, {
      method: 'POST',
      headers: { 'Authorization': `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'rest.lead@northwind-example.com.au', first_name: 'Rhea', last_name: 'Rest', company: 'Northwind', title: 'Head of Growth' }),
    });
    return r.status;
  }, [BASE, secret]);
  assert.equal(status, 201);
  await page.goto(`${wsUrl}/leads?q=Rhea`);
  await hydrated(page);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=lead-row]').length === 1);
  assert.deepEqual(errors, []);
  await ctx.close();
});
