// Live sending end to end: a mailbox that points at the SMTP sink scripts/test.sh starts, go
// live, a campaign whose drafts are approved in bulk, and the messages arrive at the sink
// signed, with one-click unsubscribe — each exactly once, never past the mailbox's cap.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { launch, hydrated, shot, unique, ownerWithWorkspace, importDemoLeads, outboxRows, approvalsWithDrafts, addSinkMailbox, goLive, activeCampaignAnyTime } from './helpers.mjs';

const SINK_PORT = process.env.SINK_PORT;
const SINK_DIR = process.env.SINK_DIR;

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/// The messages the sink kept for one sender address, by file.
function received(from) {
  if (!existsSync(SINK_DIR)) return [];
  return readdirSync(SINK_DIR)
    .filter((f) => f.endsWith('.eml'))
    .map((f) => readFileSync(join(SINK_DIR, f), 'utf8'))
    .filter((raw) => raw.split(/\r?\n\r?\n/)[0].includes(`<${from}>`));
}

const header = (raw, name) => {
  const head = raw.split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, ' ');
  const line = head.split(/\r?\n/).find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(name.length + 1).trim();
};

test('go live, approve, and the messages reach the SMTP server once each', { skip: !SINK_PORT && 'SINK_PORT not set (scripts/test.sh starts the sink)' }, async () => {
  const id = unique('live');
  const from = `olive@${id}.example`;
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));

  const wsUrl = await ownerWithWorkspace(page, { name: 'Olive Live', email: `${id}@example.com`, password: 'correct horse battery' }, 'Live Co');
  await page.waitForSelector('[data-testid=shadow-pill]');

  await importDemoLeads(page, wsUrl);

  // A mailbox on the local SMTP server (no TLS is allowed only for a relay on this machine),
  // with a DKIM key; "Test connection" talks to it for real.
  await addSinkMailbox(page, wsUrl, { from, name: 'Olive Live', smtpPort: SINK_PORT });
  await page.click('[data-testid=test-mailbox]');
  await page.waitForSelector('[data-testid=connection-test]');
  assert.match(await page.textContent('[data-testid=connection-test]'), /OK|succeeded|connected/i);

  // Go live; the header's shadow pill goes away without a reload.
  await goLive(page, 'Live Co');
  await page.waitForSelector('[data-testid=shadow-pill]', { state: 'detached' });

  // A campaign that may send at any hour on any day, so the test does not depend on the clock.
  await activeCampaignAnyTime(page, wsUrl, { name: 'Live launch', sender: 'Olive Live', company: 'Live Co' });

  await page.goto(`${wsUrl}/leads`);
  await hydrated(page);
  await page.waitForFunction(() => document.querySelectorAll('#enroll-campaign option').length > 1);
  await page.selectOption('#enroll-campaign', { index: 1 });
  await page.click('[data-testid=enroll-submit]');
  await page.waitForSelector('[data-testid=enroll-result]');

  // Approve everything drafted.
  await approvalsWithDrafts(page, wsUrl);
  await page.waitForSelector('[data-testid=bulk-all]:not([disabled])');
  await page.click('[data-testid=bulk-all]');
  await page.waitForSelector('[data-testid=confirm-dialog]');
  await page.click('[data-testid=confirm-bulk]');
  await page.waitForSelector('[data-testid=queue-notice]:has-text("approved")');

  // The dispatcher sends them: the Outbox's "sent" tab fills, each with its passed checks.
  const sentRows = await outboxRows(page, wsUrl, 'sent');
  await shot(page, '40-outbox-sent');
  await page.locator('[data-testid=outbox-row]').first().click();
  await page.waitForSelector('[data-testid=outbox-message]');
  await shot(page, '41-sent-message');

  // At the SMTP server: each message once, signed, with RFC 8058 one-click unsubscribe, and
  // no more than the new mailbox's first-day ramp allows.
  const mails = received(from);
  assert.ok(mails.length >= 1, 'the sink received the sent messages');
  assert.ok(mails.length >= sentRows, `${mails.length} received, ${sentRows} shown as sent`);
  assert.ok(mails.length <= 5, `a new mailbox sends at most its ramp start (5) on day one, not ${mails.length}`);
  const ids = mails.map((m) => header(m, 'Message-ID'));
  assert.equal(new Set(ids).size, ids.length, 'no Message-ID arrived twice');
  for (const m of mails) {
    assert.match(header(m, 'DKIM-Signature') ?? '', /a=ed25519-sha256/);
    assert.equal(header(m, 'List-Unsubscribe-Post'), 'List-Unsubscribe=One-Click');
    assert.match(header(m, 'List-Unsubscribe') ?? '', /<https?:\/\/[^>]+\/u\/[^>]+>/);
  }
  assert.deepEqual(errors, [], 'no script errors');
  await ctx.close();
});
