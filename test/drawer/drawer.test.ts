/**
 * The reference drawer (examples/drawer) in a real browser: Debian's Chromium, driven through Save and
 * Test against an embedded Dovecot seeded with 30 days of mail (the demo's), then through the three
 * errors of the published troubleshooting table. The chart is checked twice: its SVG bars against the
 * seed list, counted here by date, and its pixels in a screenshot.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoServer, startDemoServer } from '../../examples/demo-server.js';
import { createDrawerServer } from '../../examples/drawer/drawer-server.js';
import { errorCatalog } from '../../src/index.js';
import { dovecotSkipReason } from '../harness/dovecot/dovecot-availability.js';
import { createTestCertificates } from '../harness/dovecot/test-certificates.js';
import { type FaultServer, startFaultServer } from '../harness/fault-server.js';
import { decodePng, isColour } from './png-pixels.js';
import { chromiumSkipReason, launchChromium } from './system-chromium.js';

const TIME_ZONE = 'Europe/Berlin';
const SENT_COLOUR = '#2563eb';
const RECEIVED_COLOUR = '#16a34a';
// The chart's geometry, as drawer.js draws it: bars stand on y = 168 and a full bar is 160 px tall.
const BASELINE_Y = 168;
const FULL_BAR_PX = 160;

if (chromiumSkipReason && process.env['CI']) throw new Error(`${chromiumSkipReason} — not allowed in CI`);
const skipReason = dovecotSkipReason ?? chromiumSkipReason;
const describeInBrowser = (name: string, body: () => void) =>
  skipReason ? describe.skip(`${name} — ${skipReason}`, body) : describe(name, body);

type DayCounts = Record<string, { sent: number; received: number }>;

/**
 * The last 30 days of `TIME_ZONE` (today included) and what the seed put in each, by the rules: Sent
 * counts as sent, INBOX and Archive as received, Junk and Drafts not at all. Dates come from Intl, days
 * are stepped on the calendar, so nothing here uses the SDK.
 */
function expectedDays(demo: DemoServer, nowMs: number): DayCounts {
  const dateOf = (ms: number) =>
    new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE, dateStyle: 'short' }).format(new Date(ms));
  const [year, month, day] = dateOf(nowMs).split('-').map(Number);
  const days: DayCounts = {};
  for (let back = 29; back >= 0; back -= 1) {
    const date = new Date(Date.UTC(year ?? 0, (month ?? 1) - 1, (day ?? 1) - back))
      .toISOString()
      .slice(0, 10);
    days[date] = { sent: 0, received: 0 };
  }
  for (const message of demo.seeded) {
    const bucket = days[dateOf(message.atMs)];
    if (bucket === undefined) continue;
    if (message.mailbox === 'Sent') bucket.sent += 1;
    else if (message.mailbox === 'INBOX' || message.mailbox === 'Archive') bucket.received += 1;
  }
  return days;
}

describeInBrowser('the reference drawer in Chromium', () => {
  let demo: DemoServer;
  let drawer: http.Server;
  let fault: FaultServer;
  let certificateDirectory: string;
  let browser: Browser;
  let page: Page;
  let baseUrl: string;
  const responses: Promise<string>[] = [];

  beforeAll(async () => {
    demo = await startDemoServer();
    certificateDirectory = mkdtempSync(path.join(os.tmpdir(), 'drawer-fault-tls-'));
    // A server that rejects the login the way Cyrus does, without a response code: Dovecot always sends one.
    const faultCertificates = createTestCertificates(certificateDirectory);
    const { readFileSync } = await import('node:fs');
    fault = await startFaultServer(
      { kind: 'login-response', response: 'NO authentication failure' },
      {
        tls: {
          key: readFileSync(faultCertificates.serverKeyPath, 'utf8'),
          cert: readFileSync(faultCertificates.serverCertPath, 'utf8'),
        },
      },
    );
    const demoCa = demo.config.tls?.ca;
    drawer = createDrawerServer({
      // Presets only: the browser test must not look anything up on the internet.
      discovery: { sources: ['preset'] },
      trustedCa: [...(typeof demoCa === 'string' ? [demoCa] : (demoCa ?? [])), faultCertificates.caPem],
    });
    await new Promise<void>((resolve) => drawer.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(drawer.address() as AddressInfo).port}/`;
    browser = await launchChromium();
    const context = await browser.newContext({
      timezoneId: TIME_ZONE,
      viewport: { width: 760, height: 900 },
      deviceScaleFactor: 1,
    });
    page = await context.newPage();
    page.on('response', (response) => responses.push(response.text().catch(() => '')));
    await page.goto(baseUrl);
    await page.waitForSelector('body[data-loaded="yes"]');
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    drawer?.closeAllConnections();
    await new Promise((resolve) => drawer?.close(resolve));
    await fault?.close();
    await demo?.stop();
    if (certificateDirectory) rmSync(certificateDirectory, { recursive: true, force: true });
  });

  async function save(settings: { host?: string; port?: string; password?: string }): Promise<void> {
    if (settings.host !== undefined) await page.fill('#host', settings.host);
    if (settings.port !== undefined) await page.fill('#port', settings.port);
    if (settings.password !== undefined) await page.fill('#password', settings.password);
    // Page code is passed as text: the tests are type-checked without the DOM library.
    await page.evaluate('delete document.body.dataset.saved');
    await page.click('#save');
    await page.waitForSelector('body[data-saved="yes"]');
  }

  async function clickTest(): Promise<{ message: string; fix: string | null; chartShown: boolean }> {
    const before = (await page.getAttribute('body', 'data-tested')) ?? '';
    await page.click('#test');
    await page.waitForFunction(
      `(document.body.dataset.tested ?? '') !== ${JSON.stringify(before)}`,
      undefined,
      {
        timeout: 30_000,
      },
    );
    return {
      message: (await page.textContent('#result-message')) ?? '',
      fix: (await page.isHidden('#result-fix')) ? null : await page.textContent('#result-fix'),
      chartShown: await page.isVisible('#chart-section'),
    };
  }

  it('fills Host, Port and Username with Discover, or says which integration to use instead', async () => {
    await page.fill('#email', 'anna@fastmail.com');
    await page.click('#discover');
    await page.waitForSelector('#discover-note:text("Found via")');
    expect(await page.inputValue('#host')).toBe('imap.fastmail.com');
    expect(await page.inputValue('#port')).toBe('993');
    expect(await page.inputValue('#username')).toBe('anna@fastmail.com');
    expect(await page.textContent('#discover-note')).toMatch(
      /^Found via Fastmail \(preset\), confidence high\. .*app password/,
    );

    await page.fill('#email', 'boss@gmail.com');
    await page.click('#discover');
    await page.waitForSelector('#discover-note.error');
    expect(await page.textContent('#discover-note')).toMatch(/Google.*Use the Gmail integration/);
  });

  it('saves, tests "✅ Authenticated as …", and charts the last 30 days as seeded', async () => {
    const { username, password, host, port } = demo.config;
    if (typeof password !== 'string') throw new Error('the demo uses a password string');
    await page.fill('#username', '');
    await page.fill('#email', username);
    await page.dispatchEvent('#email', 'change');
    expect(await page.inputValue('#username')).toBe(username);
    await save({ host, port: String(port), password });

    // After Save the page has no password, and the server gives none back.
    expect(await page.inputValue('#password')).toBe('');
    expect(await page.getAttribute('#password', 'placeholder')).toMatch(/^Saved/);
    const settings = await page.evaluate(() => fetch('/api/settings').then((response) => response.json()));
    expect(settings).toEqual({ email: username, host, port: String(port), username, hasPassword: true });

    const result = await clickTest();
    expect(result).toMatchObject({ message: `✅ Authenticated as ${username}`, fix: null });
    await page.waitForSelector('body[data-chart="ready"]');

    // The bars, as drawn, against the seed counted by hand (zero days have no bar).
    const expected = expectedDays(demo, Date.now());
    const bars = await page.$$eval('#chart rect.bar', (rects) =>
      rects.map((rect) => ({
        kind: rect.classList.contains('sent') ? 'sent' : 'received',
        date: rect.getAttribute('data-date') ?? '',
        count: Number(rect.getAttribute('data-count')),
        height: Number(rect.getAttribute('height')),
      })),
    );
    const drawn: DayCounts = Object.fromEntries(
      Object.keys(expected).map((date) => [date, { sent: 0, received: 0 }]),
    );
    for (const bar of bars) {
      const day = drawn[bar.date];
      if (day === undefined) throw new Error(`a bar for ${bar.date}, outside the last 30 days`);
      day[bar.kind as 'sent' | 'received'] = bar.count;
    }
    expect(drawn).toEqual(expected);
    const seededTotal = Object.values(expected).reduce((sum, day) => sum + day.sent + day.received, 0);
    expect(seededTotal).toBeGreaterThan(100);

    // The pixels: one solid run of each colour per non-zero bar along the row above the axis, in date
    // order, each as tall as its count makes it.
    const png = await page.locator('#chart').screenshot();
    const image = decodePng(png);
    const max = Math.max(...Object.values(expected).flatMap((day) => [day.sent, day.received]));
    for (const [kind, colour] of [
      ['sent', SENT_COLOUR],
      ['received', RECEIVED_COLOUR],
    ] as const) {
      const runs = colourRuns(image, BASELINE_Y - 1, colour);
      const values = Object.values(expected)
        .map((day) => day[kind])
        .filter((value) => value > 0);
      expect(runs.map((run) => run.width)).toEqual(values.map(() => 6));
      const heights = runs.map((run) => columnHeight(image, run.start + 3, BASELINE_Y - 1, colour));
      expect(heights).toEqual(values.map((value) => Math.max(2, Math.round((value / max) * FULL_BAR_PX))));
    }
    const screenshots = path.resolve('.tmp');
    mkdirSync(screenshots, { recursive: true });
    const fullPage = await page.screenshot({ fullPage: true });
    writeFileSync(path.join(screenshots, 'drawer-test.png'), fullPage);
    // `DRAWER_SCREENSHOT=docs/drawer.png npx vitest run test/drawer` refreshes the README's screenshot.
    if (process.env['DRAWER_SCREENSHOT']) writeFileSync(process.env['DRAWER_SCREENSHOT'], fullPage);
  });

  it('shows "HTTP 401: AUTHENTICATIONFAILED" and its fix for a wrong password', async () => {
    await save({ password: `wrong-${process.pid}` });
    const result = await clickTest();
    expect(result).toEqual({
      message: errorCatalog.AUTHENTICATION_FAILED.message,
      fix: errorCatalog.AUTHENTICATION_FAILED.fix,
      chartShown: false,
    });
    expect(await page.evaluate("getComputedStyle(document.getElementById('result')).color")).toBe(
      'rgb(185, 28, 28)',
    );
  });

  it('shows "Connection refused" and its fix for a closed port', async () => {
    await save({ port: String(await closedPort()) });
    expect(await clickTest()).toEqual({
      message: errorCatalog.CONNECTION_REFUSED.message,
      fix: errorCatalog.CONNECTION_REFUSED.fix,
      chartShown: false,
    });
  });

  it('shows "HTTP 401: <the server\'s words>" and its fix when the server rejects without a code', async () => {
    await save({ port: String(fault.port), password: `cyrus-${process.pid}` });
    expect(await clickTest()).toEqual({
      message: 'HTTP 401: authentication failure',
      fix: errorCatalog.CREDENTIALS_REJECTED.fix,
      chartShown: false,
    });
    expect(fault.loginAttempts()).toBe(1);
  });

  it('never sent a password back to the browser', async () => {
    const bodies = await Promise.all(responses);
    expect(bodies.length).toBeGreaterThan(8);
    const secrets = [demo.config.password, `wrong-${process.pid}`, `cyrus-${process.pid}`];
    for (const secret of secrets) {
      if (typeof secret !== 'string') continue;
      for (const body of bodies) expect(body).not.toContain(secret);
    }
  });
});

/** Horizontal runs of one colour along a pixel row. */
function colourRuns(
  image: ReturnType<typeof decodePng>,
  y: number,
  colour: string,
): { start: number; width: number }[] {
  const runs: { start: number; width: number }[] = [];
  for (let x = 0; x < image.width; x += 1) {
    if (!isColour(image.pixel(x, y), colour)) continue;
    const last = runs.at(-1);
    if (last !== undefined && last.start + last.width === x) last.width += 1;
    else runs.push({ start: x, width: 1 });
  }
  return runs;
}

/** How many pixels of one colour stand on top of each other from `(x, bottomY)` upwards. */
function columnHeight(
  image: ReturnType<typeof decodePng>,
  x: number,
  bottomY: number,
  colour: string,
): number {
  let height = 0;
  while (bottomY - height >= 0 && isColour(image.pixel(x, bottomY - height), colour)) height += 1;
  return height;
}

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
