// A newcomer's first minutes: sign up, create a workspace, invite a colleague who accepts in
// a second browser, switch workspace. Every page is screenshotted.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, hydrated, shot, unique, signUp } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('sign up, create a workspace, invite a member who accepts, switch workspace', async () => {
  const id = unique('e2e');
  const owner = { name: 'Olive Owner', email: `${id}-owner@example.com`, password: 'correct horse battery' };
  const member = { name: 'Max Member', email: `${id}-member@example.com`, password: 'another good passphrase' };

  const ownerCtx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ownerCtx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));

  await page.goto(`${BASE}/login`);
  await hydrated(page);
  await shot(page, '01-login');

  await signUp(page, owner);
  await page.waitForURL(`${BASE}/workspaces/new`);
  await hydrated(page);
  await shot(page, '02-new-workspace');

  await page.fill('#name', 'Northwind Digital');
  await page.click('button[type=submit]');
  await page.waitForURL(/\/w\/[0-9a-f-]{36}$/);
  await hydrated(page);
  const wsUrl = page.url();
  await page.waitForSelector('[data-testid=current-workspace]:has-text("Northwind Digital")');
  assert.equal(await page.textContent('[data-testid=current-role]'), 'Owner');
  await shot(page, '03-dashboard');

  for (const section of ['onboarding', 'campaigns', 'leads', 'approvals', 'inbox', 'reports']) {
    await page.click(`[data-testid=sidebar] a[href$="/${section}"]`);
    await page.waitForURL(`${wsUrl}/${section}`);
    await page.waitForSelector('h1');
    await shot(page, `04-${section}`);
  }

  await page.click('[data-testid=sidebar] a[href$="/settings"]');
  await page.waitForURL(`${wsUrl}/settings`);
  await page.waitForSelector('[data-testid=invite-form]');
  await page.fill('#invite-email', member.email);
  await page.selectOption('#invite-role', 'member');
  await page.click('[data-testid=invite-form] button[type=submit]');
  const linkInput = await page.waitForSelector('[data-testid=invite-link]');
  const link = await linkInput.inputValue();
  assert.match(link, /\/invite\/[0-9a-f]{64}$/);
  await page.waitForSelector(`[data-testid=invitations] >> text=${member.email}`);
  await shot(page, '05-settings-invited');

  // The member, in a browser of their own.
  const memberCtx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const mpage = await memberCtx.newPage();
  // The link names the public address (https in production); this test server is at BASE.
  await mpage.goto(new URL(new URL(link).pathname, BASE).href);
  await hydrated(mpage);
  await mpage.waitForSelector('[data-testid=invite-card]');
  await shot(mpage, '06-invitation');
  await mpage.click('text=Create an account to accept');
  await mpage.waitForURL(/\/signup\?next=/);
  await hydrated(mpage);
  await mpage.fill('#name', member.name);
  await mpage.fill('#email', member.email);
  await mpage.fill('#password', member.password);
  await mpage.click('button[type=submit]');
  await mpage.waitForURL(/\/invite\//);
  await hydrated(mpage);
  await mpage.click('[data-testid=accept-invite]');
  await mpage.waitForURL(wsUrl);
  await hydrated(mpage);
  await mpage.waitForSelector('[data-testid=current-workspace]:has-text("Northwind Digital")');
  assert.equal(await mpage.textContent('[data-testid=current-role]'), 'Member');
  await shot(mpage, '07-member-dashboard');
  await mpage.click('[data-testid=sidebar] a[href$="/settings"]');
  await mpage.waitForSelector(`[data-testid=member-row][data-email="${member.email}"]`);
  // A member sees the team but cannot invite.
  assert.equal(await mpage.$('[data-testid=invite-form]'), null);
  await shot(mpage, '08-member-settings');

  // The owner sees the new member with their role.
  await page.reload();
  await hydrated(page);
  await page.waitForSelector(`[data-testid=member-row][data-email="${member.email}"]`);

  // Switch workspace: create a second one, then switch back through the switcher.
  await page.goto(`${BASE}/workspaces/new`);
  await hydrated(page);
  await page.fill('#name', 'Client: Acme Plumbing');
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-testid=current-workspace]:has-text("Client: Acme Plumbing")');
  await hydrated(page);
  await page.click('[data-testid=workspace-switcher] summary');
  await shot(page, '09-switcher-open');
  await page.click('[data-testid=switch-workspace]:has-text("Northwind Digital")');
  await page.waitForURL(wsUrl);
  await page.waitForSelector('[data-testid=current-workspace]:has-text("Northwind Digital")');
  await shot(page, '10-switched');

  assert.deepEqual(errors, [], 'no script errors in the page');
  await ownerCtx.close();
  await memberCtx.close();
});

test('the app shell works on a 390 px phone', async () => {
  const id = unique('phone');
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const page = await ctx.newPage();
  await signUp(page, { name: 'Pat Phone', email: `${id}@example.com`, password: 'correct horse battery' });
  await page.waitForURL(`${BASE}/workspaces/new`);
  await hydrated(page);
  await page.fill('#name', 'Pocket Agency');
  await page.click('button[type=submit]');
  await page.waitForURL(/\/w\/[0-9a-f-]{36}$/);
  await hydrated(page);
  await shot(page, '11-phone-dashboard');
  // The sidebar is off-screen until the menu button opens it.
  await page.click('button[aria-label="Open navigation"]');
  await page.waitForSelector('aside.translate-x-0');
  // wait for the slide-in to finish before the screenshot
  await page.waitForFunction(() => document.querySelector('aside').getBoundingClientRect().left >= 0);
  await page.waitForTimeout(250);
  await shot(page, '12-phone-menu');
  await page.click('[data-testid=sidebar] a[href$="/leads"]');
  await page.waitForURL(/\/leads$/);
  await page.waitForSelector('h1:has-text("Leads")');
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `no horizontal scrolling (page is ${width}px wide)`);
  await shot(page, '13-phone-leads');
  await ctx.close();
});

test('a wrong password shows a clear error and stays on the log-in page', async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(`${BASE}/login`);
  await hydrated(page);
  await page.fill('#email', `${unique('nobody')}@example.com`);
  await page.fill('#password', 'not the password');
  await page.click('button[type=submit]');
  const err = await page.waitForSelector('[data-testid=form-error]');
  assert.equal(await err.textContent(), 'Email or password is incorrect');
  assert.ok(page.url().endsWith('/login'));
  await shot(page, '14-login-error');
  await ctx.close();
});
