// Shared helpers for the browser tests: a real headless Chromium (Debian's) driven by
// playwright-core, screenshots under end2end/output/.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BASE = process.env.BASE_URL ?? 'http://127.0.0.1:3000';
export const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'output');
mkdirSync(OUT, { recursive: true });

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/// Waits until the WASM app has hydrated the page, so clicks reach Leptos handlers.
export async function hydrated(page) {
  await page.waitForSelector('body[data-hydrated="true"]', { timeout: 30_000 });
}

export async function shot(page, name) {
  await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });
}

export function unique(prefix) {
  return `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
}

export async function signUp(page, { name, email, password }) {
  await page.goto(`${BASE}/signup`);
  await hydrated(page);
  await page.fill('#name', name);
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.click('button[type=submit]');
}

export const DEMO_CSV = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'demo-leads.csv');

/// A new owner's first workspace: signs up, names it, and returns its URL once hydrated.
export async function ownerWithWorkspace(page, owner, workspace) {
  await signUp(page, owner);
  await page.waitForURL(`${BASE}/workspaces/new`);
  await hydrated(page);
  await page.fill('#name', workspace);
  await page.click('button[type=submit]');
  await page.waitForURL(/\/w\/[0-9a-f-]{36}$/);
  await hydrated(page);
  return page.url();
}

/// Imports the demo CSV on the Leads page and waits for the import to complete.
export async function importDemoLeads(page, wsUrl) {
  await page.goto(`${wsUrl}/leads`);
  await hydrated(page);
  await page.click('[data-testid=import-panel] summary');
  await page.setInputFiles('#import-file', DEMO_CSV);
  await page.click('[data-testid=import-form] button[type=submit]');
  await page.waitForURL(/\/leads\?import=/);
  await hydrated(page);
  await page.waitForSelector('[data-testid=import-status]:has-text("completed")', { timeout: 30_000 });
}

/// On the campaign editor: every day, every hour, so a test never waits for business hours.
export async function sendAnyTime(page) {
  for (const box of await page.locator('fieldset:has(legend:has-text("Days")) input[type=checkbox]').all()) {
    if (!(await box.isChecked())) await box.check();
  }
  await page.fill('#c-start', '0');
  await page.fill('#c-end', '24');
}

/// Opens the Outbox on `state` and waits (reloading, up to a minute) until it lists a message;
/// returns how many it lists.
export async function outboxRows(page, wsUrl, state) {
  await page.goto(`${wsUrl}/outbox`);
  await hydrated(page);
  for (let i = 0; i < 60; i++) {
    await page.click(`[data-testid=outbox-tab-${state}]`);
    if ((await page.locator('[data-testid=outbox-row]').count()) > 0) break;
    await page.waitForTimeout(1000);
    await page.reload();
    await hydrated(page);
  }
  await page.waitForSelector('[data-testid=outbox-row]');
  return page.locator('[data-testid=outbox-row]').count();
}

/// Opens the approval queue and waits (reloading, up to half a minute) for drafting to fill it.
export async function approvalsWithDrafts(page, wsUrl) {
  await page.goto(`${wsUrl}/approvals`);
  await hydrated(page);
  for (let i = 0; i < 30 && (await page.locator('[data-testid=draft]').count()) === 0; i++) {
    await page.waitForTimeout(1000);
    await page.reload();
    await hydrated(page);
  }
  await page.waitForSelector('[data-testid=draft]');
}

/// Adds a mailbox on the local SMTP sink (no TLS is allowed only for a relay on this machine),
/// optionally reading the sink's IMAP side, and gives it a DKIM key.
export async function addSinkMailbox(page, wsUrl, { from, name, smtpPort, imapPort }) {
  await page.goto(`${wsUrl}/settings/mailboxes`);
  await hydrated(page);
  await page.fill('#address', from);
  await page.fill('#display_name', name);
  await page.fill('#smtp_host', '127.0.0.1');
  await page.fill('#smtp_port', smtpPort);
  await page.selectOption('#smtp_security', 'none');
  await page.fill('#smtp_username', from);
  await page.fill('#smtp_password', 'sink-password');
  if (imapPort) {
    await page.fill('#imap_host', '127.0.0.1');
    await page.fill('#imap_port', imapPort);
    await page.selectOption('#imap_security', 'none');
  }
  await page.click('[data-testid=add-mailbox] button[type=submit]');
  await page.waitForSelector(`[data-testid=mailbox-address]:has-text("${from}")`);
  await page.click('[data-testid=mailbox] >> text=Generate key');
  await page.waitForSelector('[data-testid=dkim-value]');
}

/// Goes live (typing the workspace's name to confirm) from the page's sending banner.
export async function goLive(page, workspace) {
  await page.click('[data-testid=go-live]');
  await page.fill('[data-testid=go-live-confirm]', workspace);
  await page.click('[data-testid=go-live-submit]');
  await page.waitForSelector('[data-testid=sending-banner][data-state=live]');
}

/// Creates a campaign that may send at any hour on any day (so a test does not depend on the
/// clock) and activates it.
export async function activeCampaignAnyTime(page, wsUrl, { name, sender, company }) {
  await page.goto(`${wsUrl}/campaigns/new`);
  await hydrated(page);
  await page.fill('[data-testid=c-name]', name);
  await page.fill('[data-testid=c-sender-name]', sender);
  await page.fill('[data-testid=c-sender-company]', company);
  await page.fill('[data-testid=c-address]', '1 George St, Sydney NSW 2000');
  await sendAnyTime(page);
  await page.click('[data-testid=campaign-save]');
  await page.waitForURL(/\/campaigns\/[0-9a-f-]{36}$/);
  await hydrated(page);
  await page.click('[data-testid=campaign-activate]');
  await page.waitForSelector('[data-testid=campaign-status]:has-text("active")');
}

// Logs in as the demo workspace's owner (seeded by `agency-os demo` before the browser tests)
// and returns the workspace's URL.
export async function demoWorkspace(page) {
  await page.goto(`${BASE}/login`);
  await hydrated(page);
  await page.fill('#email', 'demo@agency-os.local');
  await page.fill('#password', 'demo-password-2026');
  await page.click('button[type=submit]');
  await page.waitForURL(/\/(w\/[0-9a-f-]{36}|workspaces)/);
  await hydrated(page);
  if (!/\/w\/[0-9a-f-]{36}/.test(page.url())) {
    await page.click('a:has-text("Demo Agency")');
    await page.waitForURL(/\/w\/[0-9a-f-]{36}/);
  }
  return page.url().match(/^.*\/w\/[0-9a-f-]{36}/)[0];
}
