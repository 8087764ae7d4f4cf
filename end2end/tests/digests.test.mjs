// Digests in Settings: with a Slack webhook connected, an owner sets the workspace's time zone (an
// unknown one is refused with the reason and changes nothing) and sends both digests to Slack;
// the choice survives a reload. Email digests say honestly that this installation has no mailbox
// for notices, and a preview of the weekly review is shown on demand.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { launch, hydrated, shot, unique, ownerWithWorkspace } from './helpers.mjs';

let browser;
let slack;
before(async () => {
  browser = await launch();
  slack = createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(200); res.end('ok'); }); });
  await new Promise((r) => slack.listen(0, '127.0.0.1', r));
});
after(async () => { await browser?.close(); slack?.close(); });

test('set the time zone and Slack digests, and preview the weekly review', async () => {
  const id = unique('digest');
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const wsUrl = await ownerWithWorkspace(page, { name: 'Dana Digest', email: `${id}@example.com`, password: 'correct horse battery' }, 'Digest Co');

  await page.goto(`${wsUrl}/settings/integrations`);
  await hydrated(page);
  await page.fill('#slack-url', `http://127.0.0.1:${slack.address().port}/services/T0/B0/${id}wxyz`);
  await page.click('[data-testid=notifications] button[type=submit]');
  await page.waitForSelector('[data-testid=slack-status]:has-text("connected ••••wxyz")');

  await page.goto(`${wsUrl}/settings`);
  await hydrated(page);
  const card = '[data-testid=digests]';
  await page.waitForSelector(`${card} [data-testid=digest-workspace-form]`);
  // No mailbox for notices in this installation: the email choices are off and say why.
  await page.waitForSelector(`${card} [data-testid=digest-email-unavailable]`);
  assert.equal(await page.isDisabled('[data-testid=digest-my-daily]'), true);
  assert.equal(await page.inputValue('#digest-tz'), 'Australia/Sydney');

  await page.fill('#digest-tz', 'Mars/Olympus');
  await page.click('[data-testid=digest-slack-daily]');
  await page.click('[data-testid=digest-save]');
  await page.waitForSelector(`${card} [data-testid=form-error]:has-text("not a time zone name")`);
  await page.reload();
  await hydrated(page);
  await page.waitForSelector(`${card} [data-testid=digest-workspace-form]`);
  assert.equal(await page.inputValue('#digest-tz'), 'Australia/Sydney', 'a refused zone changed nothing');
  assert.equal(await page.isChecked('[data-testid=digest-slack-daily]'), false);

  await page.fill('#digest-tz', 'Europe/London');
  await page.click('[data-testid=digest-slack-daily]');
  await page.click('[data-testid=digest-slack-weekly]');
  await page.click('[data-testid=digest-save]');
  await page.waitForSelector(`${card} [role=status]:has-text("Saved")`);
  await page.reload();
  await hydrated(page);
  await page.waitForSelector(`${card} [data-testid=digest-workspace-form]`);
  assert.equal(await page.inputValue('#digest-tz'), 'Europe/London');
  assert.equal(await page.isChecked('[data-testid=digest-slack-daily]'), true);
  assert.equal(await page.isChecked('[data-testid=digest-slack-weekly]'), true);

  await page.click('[data-testid=digest-preview-weekly]');
  await page.waitForSelector('[data-testid=digest-preview] pre:has-text("Weekly review of Digest Co")');
  const text = await page.textContent('[data-testid=digest-preview] pre');
  assert.match(text, /Sent: 0 — the same as the week before/);
  assert.match(text, /Forecast for /);
  assert.match(await page.textContent('[data-testid=digest-preview]'), /no mailbox for notices/);
  await page.locator(card).scrollIntoViewIfNeeded();
  await shot(page, '85-settings-digests');
  assert.deepEqual(errors, []);
  await ctx.close();
});
