/**
 * Refreshes the dashboard screenshot the README shows (issue 18): starts the platform in this
 * process (in-process bus, embedded CouchDB, real Node.js actions), sends colored traffic for a few
 * seconds, opens /dashboard in Debian's Chromium (the browser suite's launcher) and saves a PNG.
 *
 *   npm run screenshot:dashboard [-- --out docs/dashboard.png --seconds 12 --invokers 4]
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { commandLine } from '../src/platform/cli.js';
import { chromiumPath, chromiumPresent, launchChromium } from '../test/support/browser.js';
import { restClient, startTestPlatform } from '../test/support/platform.js';

const args = commandLine({
  name: 'screenshot:dashboard',
  usage: `npm run screenshot:dashboard -- [--out FILE] [--seconds N] [--invokers N]

Starts the platform in this process, sends colored invocations for N seconds, and saves a
screenshot of /dashboard taken with ${chromiumPath} (headless).

  --out FILE      where the PNG goes (default docs/dashboard.png)
  --seconds N     how long traffic runs before the screenshot (default 12)
  --invokers N    invokers to start (default 4)
  --help          this text`,
  options: {
    out: { type: 'string', default: 'docs/dashboard.png' },
    seconds: { type: 'string', default: '12' },
    invokers: { type: 'string', default: '4' },
  },
});

function positive(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`screenshot:dashboard: --${name} must be a positive integer, not '${raw}'\n`);
    process.exit(1);
  }
  return n;
}

const seconds = positive('seconds', args.seconds);
const invokers = positive('invokers', args.invokers);
if (!chromiumPresent()) {
  process.stderr.write(`screenshot:dashboard: ${chromiumPath} is missing; apt-get install chromium\n`);
  process.exit(1);
}

const platform = await startTestPlatform('screenshot', { invokers });
const chromium = await launchChromium();
try {
  const rest = restClient(platform);
  await rest.createAction('hello', 'hello.js');
  const page = await chromium.browser.newPage();
  await page.setViewport({ width: 1280, height: 1100 });
  const [username = '', password = ''] = platform.authKey.split(':');
  await page.authenticate({ username, password });
  await page.goto(`${platform.apiHost}/dashboard`, { waitUntil: 'load' });
  // Skewed colors, a few requests at a time, so spills and top colors show.
  const colors = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi'];
  const until = Date.now() + seconds * 1000;
  let n = 0;
  while (Date.now() < until) {
    await Promise.all(
      Array.from({ length: 8 }, () => {
        const color = colors[Math.min(colors.length - 1, Math.floor(-Math.log(Math.random()) * 2))]!;
        return rest.invoke('hello', { name: `r${n++}`, __palette_color: color }, n % 3 !== 0);
      }),
    );
  }
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  mkdirSync(dirname(args.out), { recursive: true });
  await page.screenshot({ path: args.out as `${string}.png` });
  console.info(
    `dashboard screenshot: ${args.out} (${n} invocations over ${seconds} s, ${invokers} invokers)`,
  );
} finally {
  await chromium.close();
  await platform.stop();
}
