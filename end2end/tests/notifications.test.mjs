// Reply notifications in the browser: connect a Slack incoming webhook (a local HTTP server
// stands in for Slack, as the server allows private addresses in tests), send a test message
// and see it arrive, then disconnect. The email switch says honestly that the installation has
// no mailbox for it.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { launch, hydrated, shot, unique, ownerWithWorkspace } from './helpers.mjs';

let browser;
let slack;
const posts = [];
before(async () => {
  browser = await launch();
  slack = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => { posts.push({ url: req.url, body }); res.writeHead(200, { 'content-type': 'text/plain' }); res.end('ok'); });
  });
  await new Promise((r) => slack.listen(0, '127.0.0.1', r));
});
after(async () => { await browser?.close(); slack?.close(); });

test('connect a Slack webhook for reply notifications, send a test message, disconnect', async () => {
  const id = unique('e2e');
  const owner = { name: 'Nora Notify', email: `${id}-nora@example.com`, password: 'correct horse battery' };
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const wsUrl = await ownerWithWorkspace(page, owner, 'Notify Co');

  await page.goto(`${wsUrl}/settings/integrations`);
  await hydrated(page);
  await page.waitForSelector('[data-testid=slack-status]:has-text("not connected")');
  await page.waitForSelector('[data-testid=email-owners-unavailable]');

  // A plain word is refused with the reason and changes nothing.
  await page.fill('#slack-url', 'not-a-url');
  await page.click('[data-testid=notifications] button[type=submit]');
  await page.waitForSelector('[data-testid=form-error]:has-text("https://")');
  await page.waitForSelector('[data-testid=slack-status]:has-text("not connected")');

  const port = slack.address().port;
  await page.fill('#slack-url', `http://127.0.0.1:${port}/services/T0/B0/${id}abcd`);
  await page.click('[data-testid=notifications] button[type=submit]');
  await page.waitForSelector('[data-testid=slack-status]:has-text("connected ••••abcd")');
  await page.click('[data-testid=slack-test]');
  await page.waitForSelector('[data-testid=slack-test-result]:has-text("Sent")');
  assert.equal(posts.length, 1);
  assert.equal(posts[0].url, `/services/T0/B0/${id}abcd`);
  assert.match(JSON.parse(posts[0].body).text, /Agency OS is connected/);
  await shot(page, '70-reply-notifications');

  await page.click('[data-testid=notifications] >> text=Disconnect');
  await page.waitForSelector('[data-testid=slack-status]:has-text("not connected")');
  assert.deepEqual(errors, []);
  await ctx.close();
});
