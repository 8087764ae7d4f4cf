// Every control on the workspace settings and the campaign editor changes what the product
// does, and the change shows: the drafting policy (saved, audited with before and after), the
// status filter offering only statuses that can occur, channels not sending yet marked, a
// target account multiplying a lead's score with the reason shown, and ramp mode's banner.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { launch, hydrated, shot, unique, ownerWithWorkspace, importDemoLeads, activeCampaignAnyTime } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('workspace and campaign controls do what their labels say', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const wsUrl = await ownerWithWorkspace(page, { name: 'Connie Trols', email: `${unique('controls')}@example.com`, password: 'correct horse battery' }, 'Control Room');
  await importDemoLeads(page, wsUrl);

  // Drafting policy: saved, shown again after a reload, audited with before and after.
  await page.goto(`${wsUrl}/settings`);
  await hydrated(page);
  await page.waitForSelector('[data-testid=drafting-policy]');
  assert.equal(await page.inputValue('#ws-permission-mode'), 'co_pilot');
  await page.selectOption('#ws-permission-mode', 'manual');
  await page.selectOption('#ws-guard-mode', 'soft');
  await page.click('[data-testid=drafting-policy] button[type=submit]');
  await page.waitForSelector('[data-testid=drafting-policy] [role=status]:has-text("Saved")');
  await page.reload();
  await hydrated(page);
  await page.waitForSelector('[data-testid=drafting-policy]');
  assert.equal(await page.inputValue('#ws-permission-mode'), 'manual');
  assert.equal(await page.inputValue('#ws-guard-mode'), 'soft');
  const entry = page.locator('[data-testid=audit-log] li', { hasText: 'workspace.drafting_policy' }).first();
  await entry.locator('summary').click();
  const change = await entry.locator('[data-testid=audit-change]').textContent();
  assert.match(change, /"co_pilot"[\s\S]*"manual"/, change);
  await shot(page, '70-settings-drafting-policy');

  // The status filter offers what can occur, by funnel stage.
  await page.goto(`${wsUrl}/leads`);
  await hydrated(page);
  // The page streams in after hydration when the server is busy (the import's re-scoring):
  // wait for the filter rather than read whatever is there.
  await page.waitForSelector('#f-status optgroup', { state: 'attached' });
  const groups = await page.$$eval('#f-status optgroup', (els) => els.map((e) => e.label));
  assert.deepEqual(groups, ['Preparing', 'In outreach', 'Engaged', 'Gone quiet', 'Closed']);
  const statuses = await page.$$eval('#f-status option', (els) => els.map((e) => e.value));
  assert.ok(statuses.includes('exhausted') && !statuses.includes('linkedin_connected') && !statuses.includes('revival_sent'), statuses.join());

  // A campaign: channels that do not send yet are shown as coming soon and cannot be ticked;
  // a target account multiplies its leads' scores while the campaign is active.
  await page.goto(`${wsUrl}/campaigns/new`);
  await hydrated(page);
  await page.waitForSelector('[data-testid=c-channel-linkedin-soon]');
  assert.equal(await page.isDisabled('[data-testid=c-channel-linkedin]'), true);
  assert.equal(await page.isDisabled('[data-testid=c-channel-email]'), false);
  await activeCampaignAnyTime(page, wsUrl, { name: 'Dental push', sender: 'Sam Carter', company: 'Northwind Growth' });
  await page.click('text=Add target account');
  await page.fill('[aria-label="Target 1 domain"]', 'harbourdental.com.au');
  await page.fill('[aria-label="Target 1 multiplier"]', '2');
  await page.click('[data-testid=campaign-save]');
  await page.waitForSelector('[data-testid=campaign-saved]');
  await shot(page, '71-campaign-target-account');

  await page.goto(`${wsUrl}/leads?q=harbourdental`);
  await hydrated(page);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=lead-row]').length === 1);
  await page.click('[data-testid=lead-row] a');
  await hydrated(page);
  // The re-score runs on the job worker: look again until it has.
  let reasons = [];
  for (let i = 0; i < 30; i++) {
    await page.waitForSelector('[data-testid=score-reason]');
    reasons = await page.$$eval('[data-testid=score-reason]', (els) => els.map((e) => e.textContent));
    if (reasons.some((r) => r.includes('target account'))) break;
    await page.waitForTimeout(1000);
    await page.reload();
    await hydrated(page);
  }
  assert.ok(reasons.some((r) => r.includes('×2 target account (on a campaign\'s list)')), reasons.join(' | '));
  await shot(page, '72-lead-target-account-reason');

  // Ramp mode: started from the banner, shown on every page, left again.
  await page.goto(`${wsUrl}/leads`);
  await hydrated(page);
  await page.click('[data-testid=start-ramp]');
  await page.waitForSelector('[data-testid=ramp-dialog]');
  await page.fill('#ramp-limit', '3');
  await page.click('[data-testid=ramp-submit]');
  await page.waitForSelector('[data-testid=ramp-banner]');
  const banner = await page.textContent('[data-testid=ramp-banner]');
  assert.match(banner, /up to 3 sends a day to hot leads/);
  assert.match(banner, /0 of 3 sent today/);
  await shot(page, '73-ramp-banner');
  await page.goto(`${wsUrl}/campaigns`);
  await hydrated(page);
  await page.waitForSelector('[data-testid=ramp-banner]');
  await page.click('[data-testid=leave-ramp]');
  await page.waitForSelector('[data-testid=ramp-banner]', { state: 'detached' });

  assert.deepEqual(errors, []);
  await ctx.close();
});
