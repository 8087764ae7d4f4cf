// Create a campaign, activate it, add the imported leads, then work the approval queue from the
// keyboard: approve with "a", reject with "r" and a reason, bulk approve a selection and the rest.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { launch, hydrated, shot, unique, ownerWithWorkspace, importDemoLeads, sendAnyTime, outboxRows, approvalsWithDrafts } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const pendingCount = async (page) => Number((await page.textContent('[data-testid=pending-count]')).replace('+', ''));

test('campaign to approved drafts, keyboard first', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const wsUrl = await ownerWithWorkspace(page, { name: 'Cam Paign', email: `${unique('camp')}@example.com`, password: 'correct horse battery' }, 'Campaign Lab');
  await importDemoLeads(page, wsUrl);

  // An empty list, then a new campaign from the default cadence.
  await page.goto(`${wsUrl}/campaigns`);
  await hydrated(page);
  await page.waitForSelector('text=No campaigns yet');
  await shot(page, '60-campaigns-empty');
  await page.click('[data-testid=new-campaign]');
  await page.waitForURL(/\/campaigns\/new$/);
  await hydrated(page);
  // The route changes in the browser; the editor renders just after.
  await page.waitForSelector('[data-testid=cadence-step]');
  assert.equal(await page.locator('[data-testid=cadence-step]').count(), 8, 'the default 8 steps');
  await page.fill('[data-testid=c-name]', 'Q1 professional services');
  await page.fill('[data-testid=c-sender-name]', 'Sam Carter');
  await page.fill('[data-testid=c-sender-company]', 'Northwind Growth');
  await page.fill('[data-testid=c-address]', '1 George St, Sydney NSW 2000');
  // Any day, any hour: the shadow messages below must not wait for business hours in Sydney.
  await sendAnyTime(page);
  await shot(page, '61-campaign-new');
  await page.click('[data-testid=campaign-save]');
  await page.waitForURL(/\/campaigns\/[0-9a-f-]{36}$/);
  await hydrated(page);
  await page.click('[data-testid=campaign-activate]');
  await page.waitForSelector('[data-testid=campaign-status]:has-text("active")');
  await shot(page, '62-campaign-active');

  // Add every imported lead from the Leads page.
  await page.goto(`${wsUrl}/leads`);
  await hydrated(page);
  await page.waitForFunction(() => document.querySelectorAll('#enroll-campaign option').length > 1);
  await page.selectOption('#enroll-campaign', { index: 1 });
  await page.click('[data-testid=enroll-submit]');
  await page.waitForSelector('[data-testid=enroll-result]');
  assert.match(await page.textContent('[data-testid=enroll-result]'), /[1-9]\d* leads added/);

  // Drafts appear in the queue.
  await approvalsWithDrafts(page, wsUrl);
  await page.waitForSelector('[data-testid=shortcut-legend]');
  const start = await pendingCount(page);
  assert.ok(start >= 3, `at least three drafts (${start})`);
  await shot(page, '63-approvals-queue');

  // "a" approves the current draft.
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('a');
  await page.waitForSelector('[data-testid=queue-notice]:has-text("Approved")');
  assert.equal(await pendingCount(page), start - 1);

  // "r" asks for a reason; an empty one is refused, a real one rejects.
  await page.keyboard.press('r');
  await page.waitForSelector('[data-testid=reject-reason]');
  // The box takes the focus itself (keyboard first); under load that is a moment after it shows.
  await page.waitForFunction(() => document.activeElement?.id === 'reject-reason');
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid=queue-error]');
  await page.fill('[data-testid=reject-reason]', 'Too generic: mention their recent expansion');
  await shot(page, '64-approvals-reject');
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid=queue-notice]:has-text("Rejected")');

  // "x" selects, "j" moves, shift+a freezes the selection; confirm approves it.
  await page.keyboard.press('x');
  await page.keyboard.press('j');
  await page.keyboard.press('x');
  await page.keyboard.press('Shift+A');
  await page.waitForSelector('[data-testid=confirm-dialog]');
  assert.match(await page.textContent('[data-testid=confirm-dialog] h2'), /Approve 2 drafts/);
  await shot(page, '65-approvals-confirm');
  await page.click('[data-testid=confirm-bulk]');
  await page.waitForSelector('[data-testid=queue-notice]:has-text("2 approved")');

  // And the rest in one go.
  await page.waitForSelector('[data-testid=bulk-all]:not([disabled])');
  await page.click('[data-testid=bulk-all]');
  await page.waitForSelector('[data-testid=confirm-dialog]');
  await page.click('[data-testid=confirm-bulk]');
  await page.waitForSelector('[data-testid=queue-notice]:has-text("approved")');
  await page.waitForFunction(() => document.querySelector('[data-testid=pending-count]')?.textContent === '0');
  await page.waitForSelector('text=Nothing to approve');
  await shot(page, '66-approvals-done');

  // In shadow mode the dispatcher renders the approved messages into the Outbox and sends none.
  await outboxRows(page, wsUrl, 'shadow');
  await page.locator('[data-testid=outbox-row]').first().click();
  await page.waitForSelector('[data-testid=outbox-message]');
  assert.match(await page.textContent('[data-testid=outbox-body]'), /unsubscribe/i, 'the shadow message shows the compliance footer');
  await shot(page, '68-outbox-shadow');
  await page.click('[data-testid=outbox-tab-sent]');
  await page.waitForSelector('[data-testid=outbox-empty]');

  // The campaign list shows the campaign with its leads.
  await page.goto(`${wsUrl}/campaigns`);
  await hydrated(page);
  await page.waitForSelector('[data-testid=campaign-row]');
  await shot(page, '67-campaigns-list');
  assert.deepEqual(errors, [], 'no script errors');
  await ctx.close();
});
