/**
 * The live dashboard in a real browser (issue 18 item 4, R4, R12, R22): Debian's Chromium, headless,
 * against the platform (controller, two invokers running real Node.js actions, embedded CouchDB).
 * Invokes with a hostile color, opens /dashboard with the guest's key, and expects: the color shown
 * as text, no dialog, no console error, the invoker panel populated, and the counts moving after a
 * burst of colored invokes. Prints page+asset bytes and time to first data (printed, not asserted).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'puppeteer-core';
import type { Platform } from '../../src/platform/platform.js';
import { chromiumPath, chromiumPresent, launchChromium, type TestBrowser } from '../support/browser.js';
import { restClient, startTestPlatform } from '../support/platform.js';

const hostileColor = '<img src=x onerror=alert(1)>';
const present = chromiumPresent();
if (!present && process.env.CI === 'true')
  throw new Error(`${chromiumPath} is missing; scripts/ci-deps.sh installs Debian's chromium`);
if (!present) console.warn(`browser suite skipped: ${chromiumPath} is missing (apt-get install chromium)`);

describe.skipIf(!present)('the dashboard in Chromium', () => {
  let platform: Platform;
  let rest: ReturnType<typeof restClient>;
  let chromium: TestBrowser;
  let page: Page;
  const dialogs: string[] = [];
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    [platform, chromium] = await Promise.all([
      startTestPlatform('browser', { invokers: 2 }),
      launchChromium(),
    ]);
    rest = restClient(platform);
    expect((await rest.createAction('hello', 'hello.js')).status).toBe(200);
    for (let i = 0; i < 3; i++)
      expect((await rest.invoke('hello', { name: 'x', __palette_color: hostileColor })).status).toBe(200);
    page = await chromium.browser.newPage();
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(String(error)));
    const [username = '', password = ''] = platform.authKey.split(':');
    await page.authenticate({ username, password });
  }, 110_000);

  afterAll(async () => {
    await chromium?.close();
    await platform?.stop();
  }, 30_000);

  const text = (selector: string) => page.$$eval(selector, (nodes) => nodes.map((n) => n.textContent ?? ''));

  it('shows the invokers and the hostile color as text, with no dialog and no console error', async () => {
    const response = await page.goto(`${platform.apiHost}/dashboard`, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    await page.waitForSelector('body[data-first-data-ms]', { timeout: 10_000 });
    await page.waitForFunction("document.querySelectorAll('#invokers tbody tr').length >= 2", {
      timeout: 10_000,
    });
    const firstDataMs = Number(await page.$eval('body', (b) => b.dataset.firstDataMs));

    const invokers = await text('#invokers tbody tr td:first-child');
    expect(invokers.map((name) => name.split('/')[0])).toEqual(['invoker0', 'invoker1']);
    expect(await text('#invokers tbody tr td:nth-child(2)')).toEqual(['up', 'up']);
    await page.waitForFunction(
      `[...document.querySelectorAll('#activations td.color')].some((td) => td.textContent === ${JSON.stringify(hostileColor)})`,
      { timeout: 10_000 },
    );
    expect(await text('#top-colors li .name')).toContain(hostileColor);
    // Shown as text: no element was made from it.
    expect(await page.$$eval('img', (imgs) => imgs.length)).toBe(0);

    // Bytes of the page and its assets as served (R22: ≤ 500 KB).
    const auth = `Basic ${Buffer.from(platform.authKey).toString('base64')}`;
    let bytes = 0;
    for (const path of ['/dashboard', '/dashboard/dashboard.js', '/dashboard/dashboard.css']) {
      const reply = await fetch(`${platform.apiHost}${path}`, { headers: { authorization: auth } });
      expect(reply.status).toBe(200);
      bytes += (await reply.arrayBuffer()).byteLength;
    }
    console.info(
      `dashboard: page+assets ${bytes} bytes (target ≤ 500 KB), first data shown ${firstDataMs} ms after navigation (target ≤ 2 s)`,
    );
    expect(dialogs).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });

  it('counts move after a burst of colored invokes, and the color filter narrows the list', async () => {
    const countOf = async (color: string) =>
      page.$$eval(
        '#top-colors li',
        (items, c) =>
          Number(items.find((li) => li.dataset.color === c)?.querySelector('.num')?.textContent ?? 0),
        color,
      );
    const before = await countOf('burst');
    expect(before).toBe(0);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        rest.invoke('hello', { name: `b${i}`, __palette_color: i % 2 === 0 ? 'burst' : 'other-burst' }),
      ),
    );
    await page.waitForFunction(
      `Number(document.querySelector('#top-colors li[data-color="burst"] .num')?.textContent ?? 0) >= 10`,
      { timeout: 10_000 },
    );
    expect(Number(await page.$eval('#t-rate', (n) => n.textContent))).toBeGreaterThan(0);

    await page.type('#f-color', 'burst');
    await page.click('#filter button[type=submit]');
    await page.waitForFunction(
      `(() => {
        const cells = [...document.querySelectorAll('#activations td.color')].map((td) => td.textContent);
        return cells.length === 10 && cells.every((c) => c === 'burst');
      })()`,
      { timeout: 10_000 },
    );
    const logs = await page.$$eval('#activations tbody tr td:last-child a', (links) =>
      links.map((a) => a.getAttribute('href') ?? ''),
    );
    expect(logs).toHaveLength(10);
    expect(
      logs.every((href) => /^\/api\/v1\/namespaces\/guest\/activations\/[0-9a-f]{32}\/logs$/.test(href)),
    ).toBe(true);
    // A logs link opens with the same credentials.
    const opened = await page.goto(`${platform.apiHost}${logs[0]}`);
    expect(opened?.status()).toBe(200);
    expect(dialogs).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });
});
