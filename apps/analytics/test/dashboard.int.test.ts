/// <reference lib="dom" />
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';
import type { ConsumerApp } from '@medlives/consumer';
import { REPO, expectedFigures, planOrders, postOrders, waitFor } from '@medlives/testkit';
import { type Stack, startStack } from './support/stack';

/** Debian's chromium (installed by .ci/run); a missing browser fails the suite rather than skipping it. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OUT = join(REPO, 'test-output', 'analytics');
const DAY = new Date().toISOString().slice(0, 10);

const num = (text: string | null) => Number((text ?? '').replace(/[^0-9.-]/g, ''));

describe('the analytics dashboard and the API docs in a real headless browser', () => {
  let s: Stack;
  let app: ConsumerApp;
  let browser: Browser;
  const seeded = planOrders({ count: 120, day: DAY, seed: 7 }).map((o) => ({ ...o, orderDate: o.orderDate < new Date().toISOString() ? o.orderDate : `${DAY}T00:00:01.000Z` }));

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no browser at ${CHROMIUM}: apt-get install chromium (bash .ci/run does) or set CHROMIUM_PATH`);
    mkdirSync(OUT, { recursive: true });
    s = await startStack('dashboard');
    app = await s.h.startApp();
    await postOrders(s.base, s.keys.a, seeded, 8);
    await s.drained();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  }, 600_000);
  afterAll(async () => {
    await browser?.close();
    await s?.cleanup();
  });

  const kpi = (page: Page, id: string) => page.locator(`#kpi-${id}`).textContent();

  it('when the dashboard is opened with the key once, then it shows the seeded figures, keeps the key in sessionStorage and updates after new orders', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const expected = expectedFigures(seeded);
    await page.goto(`${s.base}/dashboard?from=${DAY}&to=${DAY}#key=${s.keys.a}`);
    await page.waitForFunction((n) => document.getElementById('kpi-orders')?.textContent === String(n), expected.orders, { timeout: 30_000 });
    expect(num(await kpi(page, 'gross'))).toBeCloseTo(expected.grossRevenue, 2);
    expect(num(await kpi(page, 'paid'))).toBeCloseTo(expected.paidRevenue, 2);
    expect(num(await kpi(page, 'aov'))).toBeCloseTo(expected.averageOrderValue, 2);
    for (const [status, n] of Object.entries(expected.byStatus)) expect(num(await page.locator(`[data-status="${status}"]`).textContent())).toBe(n);
    expect(await page.locator('#heat .hc').count()).toBe(24 * 2);
    expect(await page.evaluate(() => [sessionStorage.getItem('medlives.key'), location.hash])).toEqual([s.keys.a, '']);
    await page.screenshot({ path: join(OUT, 'dashboard.png'), fullPage: true });

    const more = planOrders({ count: 7, day: DAY, seed: 8 }).map((o) => ({ ...o, orderDate: `${DAY}T00:00:02.000Z`, deleted: false }));
    await postOrders(s.base, s.keys.a, more, 2);
    const after = expectedFigures([...seeded, ...more]);
    await page.waitForFunction((n) => document.getElementById('kpi-orders')?.textContent === String(n), after.orders, { timeout: 60_000 });
    expect(num(await kpi(page, 'gross'))).toBeCloseTo(after.grossRevenue, 2);
    await page.screenshot({ path: join(OUT, 'dashboard-updated.png'), fullPage: true });
    await page.close();
  });

  it('when opened on a phone-sized screen without a key, then it asks once and the page fits the width', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await page.goto(`${s.base}/dashboard`);
    await page.locator('#key').fill(s.keys.a);
    await page.locator('#login button').click();
    await waitFor('figures on the phone', async () => num(await kpi(page, 'orders')) > 0, { timeoutMs: 30_000, intervalMs: 250 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(OUT, 'dashboard-phone.png'), fullPage: true });
    await page.close();
  });

  it('when the docs page is authorized with the Bearer key, then "Try it out" calls the summary on the same server and gets 200', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${s.base}/api/v1/docs`);
    await page.locator('.auth-wrapper .authorize').click();
    await page.locator('.modal-ux input').first().fill(s.keys.a);
    await page.locator('.modal-ux .auth-btn-wrapper .authorize').click();
    await page.locator('.modal-ux .btn-done').click();
    const op = page.locator('#operations-analytics-analyticsSummary');
    await op.locator('.opblock-summary').click();
    await op.locator('.try-out__btn').click();
    await op.locator('button.execute').click();
    const status = op.locator('.live-responses-table tr.response .response-col_status').first();
    await status.waitFor({ timeout: 30_000 });
    expect((await status.textContent())?.trim()).toBe('200');
    expect(await op.locator('.live-responses-table tr.response .response-col_description').first().textContent()).toContain('"totals"');
    await page.screenshot({ path: join(OUT, 'docs-try-it.png') });
    await page.close();
  });
});
