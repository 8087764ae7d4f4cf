// Sending in the browser: add a mailbox and its DKIM key, read the shadow-mode banner, go live
// through the confirmation dialog, press the red stop button and resume, open the Outbox.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { launch, hydrated, shot, unique, ownerWithWorkspace } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('add a mailbox with DKIM, go live with the typed name, stop and resume sending', async () => {
  const id = unique('e2e');
  const owner = { name: 'Sam Sender', email: `${id}-sam@example.com`, password: 'correct horse battery' };
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));

  const wsUrl = await ownerWithWorkspace(page, owner, 'Sending Co');

  // Shadow mode is the starting state, shown on every page.
  await page.waitForSelector('[data-testid=sending-banner][data-state=shadow]');
  await shot(page, '30-shadow-banner');

  // Going live without a mailbox is refused with the reason.
  await page.click('[data-testid=go-live]');
  await page.fill('[data-testid=go-live-confirm]', 'Sending Co');
  await page.click('[data-testid=go-live-submit]');
  await page.waitForSelector('[data-testid=go-live-dialog] [data-testid=form-error]:has-text("mailbox")');
  await shot(page, '31-go-live-needs-a-mailbox');
  await page.click('[data-testid=go-live-dialog] >> text=Cancel');

  await page.goto(`${wsUrl}/settings/mailboxes`);
  await hydrated(page);
  await page.fill('#address', `sam@${id}.example`);
  await page.fill('#display_name', 'Sam Sender');
  await page.fill('#smtp_host', 'smtp.example.com');
  await page.fill('#smtp_port', '587');
  await page.fill('#smtp_username', `sam@${id}.example`);
  await page.fill('#smtp_password', 'app-password');
  await page.click('[data-testid=add-mailbox] button[type=submit]');
  await page.waitForSelector(`[data-testid=mailbox-address]:has-text("sam@${id}.example")`);
  assert.match(await page.textContent('[data-testid=mailbox-usage]'), /0 of 5 sent/);
  await page.click('[data-testid=mailbox] >> text=Generate key');
  const dkim = await page.waitForSelector('[data-testid=dkim-value]');
  assert.match(await dkim.inputValue(), /^v=DKIM1; k=ed25519; p=/);
  assert.equal(await page.inputValue('[data-testid=dkim-name]'), `aos1._domainkey.${id}.example`);
  await shot(page, '32-mailbox-with-dkim');

  // Go live: the dialog wants the workspace name exactly.
  await page.click('[data-testid=go-live]');
  await page.fill('[data-testid=go-live-confirm]', 'Sending');
  await page.click('[data-testid=go-live-submit]');
  await page.waitForSelector('[data-testid=go-live-dialog] [data-testid=form-error]:has-text("Sending Co")');
  await page.fill('[data-testid=go-live-confirm]', 'Sending Co');
  await shot(page, '33-go-live-dialog');
  await page.click('[data-testid=go-live-submit]');
  await page.waitForSelector('[data-testid=sending-banner][data-state=live]');
  await shot(page, '34-live');

  // One click stops everything; resume releases it.
  await page.click('[data-testid=stop-sending]');
  await page.waitForSelector('[data-testid=sending-banner][data-state=stopped]');
  await shot(page, '35-stopped');
  await page.click('[data-testid=resume-sending]');
  await page.waitForSelector('[data-testid=sending-banner][data-state=live]');

  await page.click('[data-testid=sidebar] a[href$="/outbox"]');
  await page.waitForURL(`${wsUrl}/outbox`);
  await page.waitForSelector('[data-testid=outbox-tab-shadow]');
  await page.waitForSelector('[data-testid=outbox-empty]');
  await shot(page, '36-outbox');
  assert.deepEqual(errors, []);
});

test('a mailbox keeps its IMAP settings, and an Instantly account asks for its campaign', async () => {
  const id = unique('e2e');
  const owner = { name: 'Ivy Imap', email: `${id}-ivy@example.com`, password: 'correct horse battery' };
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));

  const wsUrl = await ownerWithWorkspace(page, owner, 'Imap Co');
  await page.goto(`${wsUrl}/settings/mailboxes`);
  await hydrated(page);

  await page.fill('#address', `ivy@${id}.example`);
  await page.fill('#smtp_host', 'smtp.example.com');
  await page.fill('#smtp_port', '587');
  await page.fill('#smtp_username', `ivy@${id}.example`);
  await page.fill('#smtp_password', 'app-password');
  await page.fill('#imap_host', 'imap.example.com');
  await page.selectOption('#imap_security', 'tls');
  await page.click('[data-testid=add-mailbox] button[type=submit]');
  await page.waitForSelector(`[data-testid=mailbox-transport]:has-text("IMAP imap.example.com:993")`);

  // Choosing Instantly swaps the SMTP fields for the campaign and the webhook URL (none until
  // the key is stored), and a bad campaign id is refused with the reason.
  await page.selectOption('#mailbox_kind', 'instantly');
  await page.waitForSelector('[data-testid=external-fields]');
  assert.equal(await page.locator('#smtp_host').count(), 0);
  await page.waitForSelector('[data-testid=sender-webhook-missing]');
  await page.fill('#address', `ivy2@${id}.example`);
  await page.fill('#provider_campaign', '12345');
  await page.click('[data-testid=add-mailbox] button[type=submit]');
  await page.waitForSelector('[data-testid=add-mailbox] [data-testid=form-error]:has-text("Instantly campaign id")');
  await shot(page, '37-instantly-account-form');
  assert.deepEqual(errors, []);
});
