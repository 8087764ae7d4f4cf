// Replies end to end: a live campaign sends to the SMTP sink; the lead's answer arrives at the
// sink and the mailbox poller reads it over IMAP; it shows in the Inbox under "needs attention";
// the user answers from the Inbox with the keyboard (co-pilot: the answer is approved in the
// queue with the keyboard too); the answer reaches the sink threaded under the lead's message
// (In-Reply-To, References), DKIM-signed; the lead's timeline shows every step; the Dashboard's
// numbers change. Screenshots: the Inbox, a thread, a timeline.
//
// Needs (scripts/test.sh): SINK_PORT (SMTP) and SINK_IMAP_PORT (the sink's IMAP side, from
// `agency-os smtp-sink --imap-addr`), SINK_DIR, and the server started with a short
// AGENCY_OS_BOUNCE_POLL_SECS so replies are read within seconds.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:net';
import { launch, hydrated, shot, unique, ownerWithWorkspace, importDemoLeads, outboxRows, approvalsWithDrafts, addSinkMailbox, goLive, activeCampaignAnyTime } from './helpers.mjs';

const SINK_PORT = process.env.SINK_PORT;
const SINK_IMAP_PORT = process.env.SINK_IMAP_PORT;
const SINK_DIR = process.env.SINK_DIR;
const ANSWER = 'Hi Mia, great to hear. Would Tuesday 10am suit for a 15-minute call?';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/// Every message the sink kept, raw.
function sinkMessages() {
  if (!existsSync(SINK_DIR)) return [];
  return readdirSync(SINK_DIR).filter((f) => f.endsWith('.eml')).sort().map((f) => readFileSync(join(SINK_DIR, f), 'utf8'));
}

const header = (raw, name) => {
  const head = raw.split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, ' ');
  const line = head.split(/\r?\n/).find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(name.length + 1).trim();
};

const address = (v) => (v?.match(/<([^>]+)>/)?.[1] ?? v ?? '').trim().toLowerCase();

/// Waits (polling, up to `ms`) until `probe` returns something truthy; returns it.
async function eventually(probe, ms, what) {
  const end = Date.now() + ms;
  for (;;) {
    const got = await probe();
    if (got) return got;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/// Hands one message to the sink over SMTP, as the lead's mail server would deliver it.
function smtpSend({ from, to, data }) {
  return new Promise((resolve, reject) => {
    const sock = connect(Number(SINK_PORT), '127.0.0.1');
    const steps = [`EHLO harbourdental.example`, `MAIL FROM:<${from}>`, `RCPT TO:<${to}>`, 'DATA', `${data.replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..')}\r\n.`, 'QUIT'];
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('data', (chunk) => {
      buf += chunk;
      // One reply per step; multi-line replies end with "NNN " on their last line.
      while (/^\d{3} .*\r\n/m.test(buf)) {
        const m = buf.match(/^(\d{3}) .*\r\n/m);
        const code = Number(m[1]);
        buf = buf.slice(buf.indexOf(m[0]) + m[0].length);
        if (code >= 400) { sock.destroy(); reject(new Error(`sink refused: ${m[0]}`)); return; }
        const next = steps.shift();
        if (next === undefined) { sock.end(); resolve(); return; }
        sock.write(`${next}\r\n`);
      }
    });
    sock.on('error', reject);
  });
}

async function statValue(page, testid) {
  await page.waitForFunction((id) => /\d/.test(document.querySelector(`[data-testid=${id}]`)?.textContent ?? ''), testid);
  return Number((await page.textContent(`[data-testid=${testid}]`)).trim());
}

test('a reply lands in the Inbox, is answered with the keyboard, and the answer arrives threaded',
  { skip: (!SINK_PORT || !SINK_IMAP_PORT) && 'SINK_PORT and SINK_IMAP_PORT not set (scripts/test.sh starts the sink with IMAP)' }, async () => {
  const id = unique('inbox');
  const from = `olive@${id}.example`;
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));

  const wsUrl = await ownerWithWorkspace(page, { name: 'Olive Inbox', email: `${id}@example.com`, password: 'correct horse battery' }, 'Inbox Co');
  await importDemoLeads(page, wsUrl);

  // A mailbox on the sink: SMTP to send, IMAP to read what comes back.
  await addSinkMailbox(page, wsUrl, { from, name: 'Olive Inbox', smtpPort: SINK_PORT, imapPort: SINK_IMAP_PORT });
  await goLive(page, 'Inbox Co');

  // The Dashboard before: nothing needs attention, no meeting.
  await page.goto(wsUrl);
  await hydrated(page);
  const repliesBefore = await statValue(page, 'stat-replies');
  assert.equal(repliesBefore, 0);

  // A campaign that sends at any hour, with one lead (Mia) so the mailbox's first-day ramp
  // leaves room for the answer.
  await activeCampaignAnyTime(page, wsUrl, { name: 'Inbox launch', sender: 'Olive Inbox', company: 'Inbox Co' });

  await page.goto(`${wsUrl}/leads?q=mia.wong`);
  await hydrated(page);
  await page.waitForSelector('[data-testid=lead-row]');
  assert.equal(await page.locator('[data-testid=lead-row]').count(), 1);
  await page.waitForFunction(() => document.querySelectorAll('#enroll-campaign option').length > 1);
  await page.selectOption('#enroll-campaign', { index: 1 });
  await page.click('[data-testid=enroll-submit]');
  await page.waitForSelector('[data-testid=enroll-result]');

  // Approve the first touch with the keyboard.
  await approvalsWithDrafts(page, wsUrl);
  await page.keyboard.press('a');
  await page.waitForSelector('[data-testid=queue-notice]:has-text("Approved")');
  await outboxRows(page, wsUrl, 'sent');

  // Our first email at the sink.
  const first = await eventually(() => sinkMessages().find((m) => address(header(m, 'From')) === from && address(header(m, 'To')) === 'mia.wong@harbourdental.com.au'), 30_000, 'the first email at the sink');
  const firstId = header(first, 'Message-ID');
  const subject = header(first, 'Subject');

  // Mia answers, to our mailbox, in the thread. A Date header has whole seconds: written in
  // the same second as our send it would read as older than it, so she answers a moment later.
  await new Promise((r) => setTimeout(r, 1500));
  const miaId = `<${id}.reply@harbourdental.com.au>`;
  await smtpSend({
    from: 'mia.wong@harbourdental.com.au',
    to: from,
    data: [
      `From: Mia Wong <mia.wong@harbourdental.com.au>`,
      `To: ${from}`,
      `Subject: Re: ${subject}`,
      `Message-ID: ${miaId}`,
      `In-Reply-To: ${firstId}`,
      `References: ${firstId}`,
      `Date: ${new Date().toUTCString()}`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Hi Olive,',
      '',
      'Yes, this sounds interesting. Can we set up a call next week?',
      '',
      'Mia',
    ].join('\n'),
  });

  // The poller reads it; it shows under "needs attention", unread, and the sidebar counts it.
  await page.goto(`${wsUrl}/inbox`);
  await hydrated(page);
  await eventually(async () => {
    if ((await page.locator('[data-testid=inbox-item]').count()) > 0) return true;
    await page.waitForTimeout(2000);
    await page.reload();
    await hydrated(page);
    return false;
  }, 180_000, 'the reply in the Inbox');
  await page.waitForSelector('[data-testid=inbox-tab-needs_attention][aria-current=page]');
  const item = page.locator('[data-testid=inbox-item]').first();
  assert.equal(await item.getAttribute('data-unread'), 'true');
  assert.match(await item.getAttribute('data-class'), /interested|meeting_request|question/);
  await page.waitForSelector('[data-testid=unread-dot]');
  assert.match(await page.textContent('[data-testid=inbox-tab-needs_attention] [data-testid=tab-count]'), /1/);
  await page.waitForSelector('[data-testid=nav-attention]');
  await shot(page, '50-inbox');

  // The keys: ? shows the help; j/k move; enter opens the thread beside the lead's card.
  await page.keyboard.press('?');
  await page.waitForSelector('[data-testid=key-help]');
  await page.keyboard.press('Escape');
  await page.waitForSelector('[data-testid=key-help]', { state: 'detached' });
  await page.keyboard.press('j');
  await page.keyboard.press('k');
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid=conversation]');
  await page.waitForSelector('[data-testid=thread-entry][data-direction=out]');
  await page.waitForSelector('[data-testid=thread-entry][data-direction=in]');
  const dirs = await page.locator('[data-testid=thread-entry]').evaluateAll((els) => els.map((e) => e.dataset.direction));
  assert.deepEqual(dirs.slice(0, 2), ['out', 'in'], 'oldest first: our email, then hers');
  assert.match(await page.textContent('[data-testid=lead-card]'), /Harbour Dental/);
  await shot(page, '51-thread');

  // r: reply; typing "e" or "j" in the answer is typing, not a shortcut; ctrl+enter sends.
  await page.keyboard.press('r');
  await page.waitForSelector('#answer-body:focus');
  await page.keyboard.type(ANSWER);
  assert.equal(await page.inputValue('#answer-body'), ANSWER);
  await page.waitForSelector('[data-testid=conversation]');
  await page.keyboard.press('Control+Enter');
  await page.waitForSelector('[data-testid=inbox-notice]:has-text("approval queue")');

  // Co-pilot: the answer waits in the approval queue; approved there with the keyboard.
  await page.goto(`${wsUrl}/approvals`);
  await hydrated(page);
  const answerDraft = page.locator('[data-testid=draft]', { hasText: 'Tuesday 10am' });
  await answerDraft.waitFor();
  await answerDraft.click();
  await page.keyboard.press('a');
  await page.waitForSelector('[data-testid=queue-notice]:has-text("Approved")');

  // The answer at the sink: once, from our mailbox to Mia, threaded under her message, signed.
  const answer = await eventually(() => {
    const got = sinkMessages().filter((m) => header(m, 'In-Reply-To') === miaId);
    return got.length ? got : null;
  }, 60_000, 'the answer at the sink');
  assert.equal(answer.length, 1, 'the answer arrived once');
  const a = answer[0];
  assert.equal(address(header(a, 'From')), from);
  assert.equal(address(header(a, 'To')), 'mia.wong@harbourdental.com.au');
  assert.match(header(a, 'References') ?? '', new RegExp(`${firstId.replace(/[<>.]/g, '\\$&')}.*${miaId.replace(/[<>.]/g, '\\$&')}`));
  assert.match(header(a, 'Subject') ?? '', /^Re: /);
  assert.match(header(a, 'DKIM-Signature') ?? '', /a=ed25519-sha256/);
  assert.ok(a.includes('Tuesday 10am'));

  // The lead's timeline: every step, newest first.
  await page.goto(`${wsUrl}/inbox?tab=all`);
  await hydrated(page);
  await page.locator('[data-testid=inbox-item]').first().click();
  await page.click('[data-testid=lead-link]');
  await page.waitForURL(/\/leads\/[0-9a-f-]{36}$/);
  await hydrated(page);
  const kinds = await eventually(async () => {
    await page.waitForSelector('[data-testid=lead-timeline] [data-testid=activity]');
    const k = await page.locator('[data-testid=lead-timeline] [data-testid=activity]').evaluateAll((els) => els.map((e) => e.dataset.kind));
    if (k.filter((x) => x === 'sent').length >= 2) return k;
    await page.reload();
    await hydrated(page);
    return null;
  }, 30_000, 'both sends on the timeline');
  for (const k of ['approved', 'sent', 'replied', 'draft_queued', 'status_changed']) {
    assert.ok(kinds.includes(k), `${k} on the timeline: ${kinds}`);
  }
  assert.ok(kinds.indexOf('replied') > kinds.indexOf('sent'), 'newest first: the answer was sent after the reply');
  await page.fill('#timeline-note', 'Call booked for Tuesday');
  await page.click('[data-testid=timeline-note-submit]');
  await page.waitForSelector('[data-testid=activity][data-kind=note]:has-text("Call booked for Tuesday")');
  await shot(page, '52-timeline');

  // The Dashboard counts it: a reply needing attention, and the feed shows it.
  await page.goto(wsUrl);
  await hydrated(page);
  assert.equal(await statValue(page, 'stat-replies'), repliesBefore + 1);
  await page.waitForSelector('[data-testid=activity-feed] [data-testid=activity][data-kind=replied]');
  const meetingsBefore = await statValue(page, 'stat-meetings');

  // A correction: re-classified as an opt-out, the reply suppresses Mia (the panel says what it
  // did); moved back to "interested", the opt-out is kept until a person confirms, with the
  // reason, that the text did not ask to be removed — and then it is lifted.
  await page.goto(`${wsUrl}/inbox?tab=all`);
  await hydrated(page);
  await page.locator('[data-testid=inbox-item]').first().click();
  await page.waitForSelector('[data-testid=conversation] [data-testid=reclassify]');
  await page.selectOption('[data-testid=reclassify]', 'unsubscribe');
  await page.waitForSelector('[data-testid=correction]');
  await page.selectOption('[data-testid=reclassify]', 'interested');
  await page.waitForSelector('[data-testid=confirm-lift]');
  assert.ok((await page.locator('[data-testid=correction-kept] li').count()) >= 1, 'the kept opt-out is listed');
  await shot(page, '54-correction');
  await page.click('[data-testid=confirm-lift-button]');
  await page.waitForSelector('[data-testid=confirm-lift]', { state: 'detached' });
  await page.waitForSelector('[data-testid=correction-undone] li');

  // Back in the Inbox: m books the meeting, e archives; the Dashboard follows.
  await page.goto(`${wsUrl}/inbox`);
  await hydrated(page);
  await page.waitForSelector('[data-testid=inbox-item]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid=conversation]');
  await page.keyboard.press('m');
  await page.waitForSelector('#meeting-confirm:focus');
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid=inbox-notice]:has-text("Meeting booked")');
  await page.keyboard.press('e');
  await page.waitForSelector('[data-testid=inbox-notice]:has-text("Archived")');
  await page.waitForSelector('[data-testid=inbox-empty]');
  await page.goto(wsUrl);
  await hydrated(page);
  assert.equal(await statValue(page, 'stat-replies'), repliesBefore);
  assert.equal(await statValue(page, 'stat-meetings'), meetingsBefore + 1);
  await shot(page, '53-dashboard');

  assert.deepEqual(errors, [], 'no script errors');
  await ctx.close();
});
