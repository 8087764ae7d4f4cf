// Onboarding (issue 13 §4): the agency gives its website (a Jekyll-style site served locally
// by this test), the durable job reads it with live progress that survives a reload, the page
// shows what was found with its sources, the person edits the draft profile, gives consent and
// confirms; the profile is then the workspace's ICP in Settings and the leads are re-scored.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { join, dirname, extname, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch, hydrated, shot, unique, ownerWithWorkspace, importDemoLeads } from './helpers.mjs';

const SITE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'engine', 'tests', 'fixtures', 'sites', 'jekyll');
const TYPES = { '.html': 'text/html; charset=utf-8', '.xml': 'application/xml', '.txt': 'text/plain', '.pdf': 'application/pdf' };

// A static file server for the fixture site: `/x/` serves `x/index.html`.
function serveSite() {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    let file = join(SITE, path);
    try {
      if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<h1>Not found</h1>');
    }
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

let browser;
let site;
before(async () => { browser = await launch(); site = await serveSite(); });
after(async () => { await browser?.close(); site?.close(); });

const scores = (page) => page.$$eval('[data-testid=lead-row] td.tabular-nums', (tds) => tds.map((td) => td.textContent.trim()).join(','));

test('an agency reads its website, edits the derived profile, consents and confirms it', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const wsUrl = await ownerWithWorkspace(page, { name: 'Tia Water', email: `${unique('onboard')}@example.com`, password: 'correct horse battery' }, 'Tidewater');
  await importDemoLeads(page, wsUrl);
  await page.goto(`${wsUrl}/leads?sort=name`);
  await hydrated(page);
  await page.waitForSelector('[data-testid=lead-row]');
  // Scored first (the import's pipeline), so that a change later is the new profile's doing.
  for (let i = 0; i < 30 && (await scores(page)).includes('—'); i++) {
    await page.waitForTimeout(1000);
    await page.reload();
    await hydrated(page);
    await page.waitForSelector('[data-testid=lead-row]');
  }
  const scoresBefore = await scores(page);
  assert.ok(!scoresBefore.includes('—'), scoresBefore);

  await page.goto(`${wsUrl}/onboarding`);
  await hydrated(page);
  await page.waitForSelector('text=Onboarding has not started');
  await shot(page, '80-onboarding-empty');
  const url = `http://127.0.0.1:${site.address().port}/`;
  await page.fill('#onboarding-url', url);
  await page.click('[data-testid=onboarding-submit]');
  // Live progress: the step line moves on while the job reads the pages…
  await page.waitForSelector('[data-testid=onboarding-step][data-status=reading], [data-testid=onboarding-step][data-status=queued]');
  await shot(page, '81-onboarding-reading');
  // …and a reload in the middle finds the same run.
  await page.reload();
  await hydrated(page);
  await page.waitForSelector(`[data-testid=onboarding-step]:has-text("${url}")`);
  await page.waitForSelector('[data-testid=onboarding-step][data-status=done]', { timeout: 90_000 });
  assert.match(await page.textContent('[data-testid=onboarding-step]'), /Read \d+ pages/);

  // What was found, each with the page it came from.
  assert.match(await page.textContent('[data-testid=onboarding-company]'), /Tidewater Digital/);
  const services = await page.textContent('[data-testid=onboarding-services]');
  assert.match(services, /Search Engine Optimisation/);
  assert.match(await page.textContent('[data-testid=onboarding-clients]'), /Harbour Bank/);
  const source = await page.getAttribute('[data-testid=onboarding-clients] a', 'href');
  assert.ok(source.startsWith(url), source);
  // Before confirming: how many of the imported leads the derived profile fits.
  await page.waitForSelector('[data-testid=matches-leads]');
  const leads = Number(await page.textContent('[data-testid=matches-leads]'));
  const fitting = Number(await page.textContent('[data-testid=matches-all]'));
  assert.ok(leads >= 40 && fitting <= leads, `${fitting} of ${leads}`);
  await shot(page, '82-onboarding-found');

  // Edit the draft with the chips: add a location (one holding a comma stays one), drop a
  // keyword, consent, confirm.
  const chips = (field) => page.$$eval(`[data-testid=onb-${field}-chips] [data-testid=chip]`, (cs) => cs.map((c) => c.firstChild.textContent.trim()));
  assert.ok((await chips('locations')).includes('Australia'), (await chips('locations')).join());
  await page.fill('#onb-locations', 'Perth, WA');
  await page.press('#onb-locations', 'Enter');
  assert.deepEqual((await chips('locations')).slice(-1), ['Perth, WA']);
  const keywords = await chips('keywords');
  assert.ok(keywords.length >= 2, keywords.join());
  await page.click(`[data-testid=onb-keywords-chips] button[aria-label="Remove ${keywords[0]}"]`);
  assert.deepEqual(await chips('keywords'), keywords.slice(1));
  await page.focus('#onb-keywords');
  await page.keyboard.press('Backspace');
  assert.deepEqual(await chips('keywords'), keywords.slice(1, -1), 'Backspace in the empty box removes the last chip');
  await page.check('[data-testid=onboarding-consent]');
  await page.click('[data-testid=onboarding-confirm]');
  await page.waitForSelector('[data-testid=onboarding-confirmed]');
  await shot(page, '83-onboarding-confirmed');

  // Settings → ICP shows the confirmed profile with the edit.
  await page.goto(`${wsUrl}/settings/icp`);
  await hydrated(page);
  await page.waitForSelector('#icp-locations');
  const saved = await page.inputValue('#icp-locations');
  assert.match(saved, /^Perth, WA$/m, saved);
  assert.ok(!(await page.inputValue('#icp-keywords')).includes(keywords[0]), 'the removed keyword is gone');
  // …and says where it came from, with a way to read the site again.
  assert.equal(await page.textContent('[data-testid=icp-origin-url]'), url);
  assert.match(await page.textContent('[data-testid=icp-origin]'), /confirmed on .*outcomes shared/);
  await shot(page, '84-settings-icp-from-onboarding');

  // The leads are re-scored against it (a job: wait for the scores to move).
  let scoresAfter = scoresBefore;
  for (let i = 0; i < 30 && scoresAfter === scoresBefore; i++) {
    await page.goto(`${wsUrl}/leads?sort=name`);
    await hydrated(page);
    await page.waitForSelector('[data-testid=lead-row]');
    scoresAfter = await scores(page);
    if (scoresAfter === scoresBefore) await page.waitForTimeout(1000);
  }
  assert.notEqual(scoresAfter, scoresBefore, 'the scores changed with the new profile');

  // Re-run from Settings → ICP: a new reading starts, followed on the Onboarding page.
  await page.goto(`${wsUrl}/settings/icp`);
  await hydrated(page);
  await page.click('[data-testid=icp-reread]');
  await page.waitForSelector('[data-testid=icp-reread-started]');
  await page.click('[data-testid=icp-reread-started] a');
  await page.waitForURL(/\/onboarding$/);
  await hydrated(page);
  await page.waitForSelector('[data-testid=onboarding-step]');
  await page.waitForSelector('[data-testid=onboarding-step][data-status=done]', { timeout: 90_000 });
  assert.equal(await page.isVisible('text=This run was confirmed before'), false, 'a new run, not the confirmed one');
  assert.deepEqual(errors, []);
  await ctx.close();
});
