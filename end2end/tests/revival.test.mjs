// Revival (issue 11 §7): the demo's earlier campaigns left quiet leads that the daily decay job
// marked as revival candidates. Filtering the Leads page to them shows the revival panel; enrolling
// them in a campaign "with new copy" says how many joined and why the others did not; the
// campaign drafts their new copy, which moves them to revival_queued; a second try adds nobody.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { launch, hydrated, shot, demoWorkspace } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const total = async (page) => Number((await page.textContent('[data-testid=leads-total]')).trim().split(' ')[0].replace(/,/g, ''));

// The leads matching a status filter: the table's total, or 0 when the table says none match.
async function matching(page, wsUrl, status) {
  await page.goto(`${wsUrl}/leads?status=${status}`);
  await hydrated(page);
  await page.waitForSelector('[data-testid=leads-total], h2:has-text("No leads match")');
  return (await page.$('[data-testid=leads-total]')) ? total(page) : 0;
}

test('revival candidates are enrolled with new copy from the Leads page', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const wsUrl = await demoWorkspace(page);

  await page.goto(`${wsUrl}/leads?status=revival_candidate`);
  await hydrated(page);
  await page.waitForSelector('[data-testid=revive-in-campaign]', { state: 'visible' });
  assert.equal(await page.isVisible('[data-testid=enroll-submit]'), false, 'the plain enrolment is not offered for revival');
  await page.waitForSelector('[data-testid=lead-row]');
  const before = await total(page);
  assert.ok(before >= 10, `${before} revival candidates`);
  const statuses = await page.$$eval('[data-testid=lead-row]', (rows) => rows.map((r) => r.textContent));
  assert.ok(statuses.every((t) => /revival/i.test(t)), 'every row shown is a revival candidate');

  // The button waits for a campaign; the live campaign is one these leads were never in.
  assert.equal(await page.isDisabled('[data-testid=revive-submit]'), true);
  await page.waitForSelector('#revive-campaign option:has-text("Q1 Logistics decision makers")', { state: 'attached' });
  const value = await page.$eval('#revive-campaign', (s) => [...s.options].find((o) => o.textContent.includes('Q1 Logistics decision makers')).value);
  await page.selectOption('#revive-campaign', value);
  await shot(page, '75-revival-panel');
  await page.click('[data-testid=revive-submit]');
  const result = await (await page.waitForSelector('[data-testid=revive-result]')).textContent();
  const enrolled = Number(result.match(/(\d+) enrolled/)[1]);
  assert.ok(enrolled > 0, result);
  const skipped = Number(result.match(/(\d+) skipped/)?.[1] ?? 0);
  assert.equal(enrolled + skipped, before, `every candidate is either enrolled or skipped with a reason: ${result}`);
  await shot(page, '76-revival-enrolled');

  // The campaign drafts their new copy, which moves them on to revival_queued: the candidates
  // shrink by the enrolled and the queue holds them (the worker drafts within seconds).
  let left = before;
  for (let i = 0; i < 60 && left > before - enrolled; i++) {
    left = await matching(page, wsUrl, 'revival_candidate');
    if (left > before - enrolled) await page.waitForTimeout(1000);
  }
  assert.equal(left, before - enrolled);
  assert.equal(await matching(page, wsUrl, 'revival_queued'), enrolled);
  await shot(page, '77-revival-queued');

  // Doing it again adds nobody twice.
  await page.goto(`${wsUrl}/leads?status=revival_candidate`);
  await hydrated(page);
  await page.waitForSelector('#revive-campaign option:has-text("Q1 Logistics decision makers")', { state: 'attached' });
  await page.selectOption('#revive-campaign', value);
  await page.click('[data-testid=revive-submit]');
  const again = await (await page.waitForSelector('[data-testid=revive-result]')).textContent();
  assert.match(again, /^0 enrolled/, again);
  assert.deepEqual(errors, []);
  await ctx.close();
});
