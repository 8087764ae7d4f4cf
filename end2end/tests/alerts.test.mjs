// Budgets and alerts: a budget is saved (bad input gets a clear error and changes nothing), the
// Dashboard shows spend against it, and stopping all sending raises a critical alert — from the
// per-minute schedule — that a person acknowledges on the Dashboard.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { launch, hydrated, shot, unique, ownerWithWorkspace } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('set budgets, stop sending, and acknowledge the alert it raises', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const wsUrl = await ownerWithWorkspace(page, { name: 'Alma Lert', email: `${unique('alerts')}@example.com`, password: 'correct horse battery' }, 'Alert Room');

  await page.goto(`${wsUrl}/settings`);
  await hydrated(page);
  await page.waitForSelector('[data-testid=budgets-form]');
  await page.fill('#budget-daily', 'ten');
  await page.click('[data-testid=budgets-form] button[type=submit]');
  await page.waitForSelector('[data-testid=budgets-form] :text("daily budget must be a positive amount")');
  await page.fill('#budget-daily', '50');
  await page.fill('#budget-monthly', '1,000');
  await page.click('[data-testid=budgets-form] button[type=submit]');
  await page.waitForSelector('[data-testid=budgets-form] [role=status]:has-text("Saved")');
  await page.reload();
  await hydrated(page);
  await page.waitForSelector('[data-testid=budgets-form]');
  assert.equal(await page.inputValue('#budget-daily'), '50.00');
  assert.equal(await page.inputValue('#budget-monthly'), '1000.00');
  await shot(page, '80-settings-budgets');

  await page.goto(wsUrl);
  await hydrated(page);
  await page.waitForSelector('[data-testid=no-alerts]');
  assert.match(await page.textContent('[data-testid=budget-status]'), /A\$0\.00 of A\$50\.00 today · A\$0\.00 of A\$1000\.00 this month/);

  await page.click('[data-testid=stop-sending]');
  await page.waitForSelector('[data-testid=sending-banner][data-state=stopped]');
  // The alert schedule runs every minute and the Dashboard refreshes every 15 seconds.
  const alert = '[data-testid=alert][data-level=critical]:has-text("Sending is stopped for this workspace")';
  await page.waitForSelector(alert, { timeout: 100_000 });
  await shot(page, '81-dashboard-alert');
  await page.click(`${alert} [data-testid=alert-acknowledge]`);
  await page.waitForSelector(`${alert} [data-testid=alert-acknowledged]:has-text("Acknowledged by Alma Lert")`);
  assert.equal(await page.locator(`${alert} [data-testid=alert-acknowledge]`).count(), 0);

  await page.click('[data-testid=resume-sending]');
  await page.waitForSelector('[data-testid=sending-banner]:not([data-state=stopped])');
  assert.deepEqual(errors, []);
  await ctx.close();
});
