// Outbound webhooks in the browser: add an endpoint (a local HTTP server, as the server allows
// private addresses in tests), see the secret once and copy it, send a test event and check its
// Standard Webhooks signature with that secret, then switch the endpoint off and delete it.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHmac } from 'node:crypto';
import { launch, hydrated, shot, unique, ownerWithWorkspace } from './helpers.mjs';

let browser;
let receiver;
const posts = [];
before(async () => {
  browser = await launch();
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => { posts.push({ headers: req.headers, body }); res.writeHead(200); res.end('ok'); });
  });
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
});
after(async () => { await browser?.close(); receiver?.close(); });

test('add a webhook endpoint, copy its secret, send a signed test event, switch it off, delete it', async () => {
  const id = unique('e2e');
  const owner = { name: 'Wendy Webhook', email: `${id}-wendy@example.com`, password: 'correct horse battery' };
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const wsUrl = await ownerWithWorkspace(page, owner, 'Hooks Co');

  await page.goto(`${wsUrl}/settings/integrations`);
  await hydrated(page);
  await page.waitForSelector('[data-testid=webhook-none]');
  const url = `http://127.0.0.1:${receiver.address().port}/hooks/${id}`;
  await page.fill('#webhook-url', url);
  await page.click('[data-testid=webhook-add-submit]');
  await page.waitForSelector('[data-testid=webhook-endpoint-url]');
  const secret = await page.inputValue('[data-testid=webhook-secret]');
  assert.match(secret, /^whsec_[A-Za-z0-9+/=]+$/);
  await page.click('[data-testid=webhook-secret-copy]');
  // Copied, or (where the browser refuses) selected for Ctrl+C: either way the button says which.
  await page.waitForSelector('[data-testid=webhook-secret-copy]:is(:has-text("Copied"), :has-text("Selected"))');

  await page.click('[data-testid=webhook-test]');
  await page.waitForSelector('[data-testid=webhook-test-result]:has-text("delivered (200)")');
  // The list of recent deliveries shows it, with its webhook-id.
  await page.waitForSelector('[data-testid=webhook-delivery]:has-text("webhook.test"):has-text("delivered (200)")');
  assert.equal(posts.length, 1);
  const p = posts[0];
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const expected = 'v1,' + createHmac('sha256', key).update(`${p.headers['webhook-id']}.${p.headers['webhook-timestamp']}.${p.body}`).digest('base64');
  assert.ok(p.headers['webhook-signature'].split(' ').includes(expected), 'the signature verifies with the shown secret');
  assert.equal(JSON.parse(p.body).type, 'webhook.test');
  await shot(page, '71-outbound-webhooks');

  await page.click('[data-testid=webhook-toggle]');
  await page.waitForSelector('[data-testid=webhook-endpoint-status]:has-text("switched off")');
  await page.click('[data-testid=webhook-delete]');
  await page.waitForSelector('[data-testid=webhook-none]');
  assert.deepEqual(errors, []);
  await ctx.close();
});
