import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isolatedEnvironment } from '@reportline/dev/test-environment';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, type System, startSystem } from './system.ts';

/**
 * The dashboard as a marketer meets it, in headless Chromium (Debian's package, driven by playwright-core: nothing
 * here may download a browser): sign in, link a NAVER account to a spreadsheet through the form, watch the imports'
 * progress bars fill from the event stream alone (the page never polls imports), and find the hold on the lock
 * timeline.
 */
const findChromium = () =>
  (process.env.PATH ?? '')
    .split(delimiter)
    .flatMap((dir) => ['chromium', 'chromium-browser'].map((name) => join(dir, name)))
    .find((p) => existsSync(p));

const executablePath = findChromium();
const underCi = process.env.CI === 'true' || process.env.CI === '1';
if (!executablePath && underCi) {
  throw new Error(
    'chromium is not on PATH: the browser test must run under CI. .ci/run installs it (apt-get install -y chromium).',
  );
}

const outputDir = fileURLToPath(new URL('../../../.cache/test-output/', import.meta.url));
const customer = {
  customerId: '8123456',
  apiKey: `0100000000${randomBytes(6).toString('hex')}`,
  secret: randomBytes(16).toString('base64'),
  size: 'tiny' as const,
  seed: 5,
};

let system: System;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  if (!executablePath) return;
  const env = await isolatedEnvironment();
  system = await startSystem({
    ...env,
    naver: { customers: [customer], knobs: { reportBuildMs: 150, dataReadyHourKst: 0 } },
  });
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
  browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1280, height: 1400 }, locale: 'en-US' });
  page.on('pageerror', (err) => console.error(`page error: ${err.message}`));
});

afterAll(async () => {
  await browser?.close();
  await system?.close();
});

/** The bar of one import, once its row is drawn. */
const bar = (importId: string) => page.locator(`#imports tr[data-import-id="${importId}"] [role="progressbar"]`);

describe.skipIf(!executablePath)(
  `the dashboard in headless Chromium (${executablePath ?? 'no chromium on PATH'})`,
  () => {
    it('links a connection, shows imports filling live over SSE, and draws the hold on the lock timeline', async () => {
      const spreadsheetId = `e2e-${randomBytes(4).toString('hex')}`;
      await call('POST', `${system.sheets.url}/_fake/spreadsheets`, {
        spreadsheetId,
        title: 'dashboard',
        sheets: [{ title: 'Sheet1' }],
      });

      await page.goto(`${system.schedulerUrl}/?lang=en`);
      await page.fill('#token', 'rl_not_a_token');
      await page.click('#signin-form button[type="submit"]');
      await expect.poll(() => page.textContent('#signin-error')).toContain('unknown or revoked');
      await page.fill('#token', system.token);
      await page.click('#signin-form button[type="submit"]');
      await page.waitForSelector('#app:not([hidden])');
      await page.waitForSelector('#live.on');
      expect(await page.evaluate('document.cookie')).toBe('');

      // Every bar value the page ever shows, to prove the bars moved while the page was open.
      // A string, not a function: this file is type-checked without the DOM's types.
      await page.evaluate(`(() => {
      const seen = (window.seen = {});
      new MutationObserver(() => {
        for (const row of document.querySelectorAll('#imports tr[data-import-id]')) {
          const id = row.getAttribute('data-import-id');
          const v = Number(row.querySelector('[role="progressbar"]')?.getAttribute('aria-valuenow'));
          if (seen[id]?.at(-1) !== v) (seen[id] ??= []).push(v);
        }
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    })()`);

      const form = '#link-form';
      await page.fill(`${form} [name="customerId"]`, customer.customerId);
      await page.fill(`${form} [name="apiKey"]`, customer.apiKey);
      await page.fill(`${form} [name="secret"]`, customer.secret);
      await page.fill(`${form} [name="historyDays"]`, '3');
      // The API's messages land next to the field they concern: the tab name's rule, then the sheet's preflight.
      await page.fill(`${form} [name="spreadsheetId"]`, spreadsheetId);
      await page.fill(`${form} [name="sheetName"]`, '_reportline data');
      await page.click(`${form} button[type="submit"]`);
      await expect.poll(() => page.textContent('#err-sheetName')).toContain('reserved');
      await page.fill(`${form} [name="sheetName"]`, '로우데이터');
      await page.fill(`${form} [name="spreadsheetId"]`, 'no-such-spreadsheet');
      await page.click(`${form} button[type="submit"]`);
      await expect.poll(() => page.textContent('#err-spreadsheetId'), { timeout: 15_000 }).not.toBe('');
      expect(await page.textContent('#err-sheetName')).toBe('');
      // Pasted as a URL, as marketers do: the form takes the id out of it.
      await page.fill(
        `${form} [name="spreadsheetId"]`,
        `https://docs.google.com/spreadsheets/d/${spreadsheetId}/edit#gid=0`,
      );
      await page.click(`${form} button[type="submit"]`);
      await expect.poll(() => page.textContent('#link-ok'), { timeout: 15_000 }).not.toBe('');

      const connectionRow = page.locator('#connections tr[data-connection-id]');
      await expect.poll(() => connectionRow.count()).toBe(1);
      const connectionId = (await connectionRow.getAttribute('data-connection-id'))!;
      expect(await page.textContent(`tr[data-connection-id="${connectionId}"]`)).toContain(spreadsheetId);
      const firstImportId = (await page.getAttribute('#imports tr[data-import-id]', 'data-import-id'))!;

      const full = { timeout: 120_000, intervals: [250] };
      await expect.poll(() => bar(firstImportId).getAttribute('aria-valuenow'), full).toBe('100');
      await expect
        .poll(() => page.getAttribute(`tr[data-connection-id="${connectionId}"]`, 'data-status'))
        .toBe('healthy');

      // Update now: a new import of the connection, requested from the page, followed to the end over the stream.
      await page.click(`tr[data-connection-id="${connectionId}"] button.update-now`);
      await expect.poll(() => page.locator('#imports tr[data-import-id]').count()).toBe(2);
      const requested = (await page
        .locator('#imports tr[data-import-id]')
        .evaluateAll(
          (rows, first) => rows.map((r) => r.getAttribute('data-import-id')).find((id) => id !== first),
          firstImportId,
        ))!;
      await expect.poll(() => bar(requested).getAttribute('aria-valuenow'), full).toBe('100');
      const seen = (await page.evaluate('window.seen')) as Record<string, number[]>;
      expect(seen[firstImportId]![0]).toBeLessThan(100);
      expect(seen[requested]!.at(-1)).toBe(100);

      // The first-link import asked NAVER, so it held the customer id's lease: its bar is on the timeline, ended.
      const hold = page.locator(
        `#locks svg[data-customer-id="${customer.customerId}"] rect.hold[data-import-id="${firstImportId}"]`,
      );
      await expect.poll(() => hold.getAttribute('data-ended'), { timeout: 30_000 }).toBe('released');
      expect(await page.textContent(`#locks [data-customer-id="${customer.customerId}"] table.holds`)).toContain(
        'first-link',
      );

      // The filter keeps only what matches.
      await page.selectOption('#filter-status', 'failed');
      expect(await page.locator('#imports tr[data-import-id]').count()).toBe(0);
      await page.selectOption('#filter-status', '');

      mkdirSync(outputDir, { recursive: true });
      await page.screenshot({ path: join(outputDir, 'dashboard.png'), fullPage: true });
      await page.click('#lang');
      await expect.poll(() => page.textContent('#locks-section h2')).toBe('네이버 잠금 타임라인');
      await page.screenshot({ path: join(outputDir, 'dashboard-ko.png'), fullPage: true });
      expect(existsSync(join(outputDir, 'dashboard.png'))).toBe(true);
    });
  },
);
