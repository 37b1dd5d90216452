// @ts-check
// The console's speed, printed (never asserted): how soon the first paint
// and the first page of users come on loopback, and how smoothly a table
// of 10 000 loaded users scrolls. Run by scripts/console-e2e after the
// suite, against the SQLite server it seeded; BENCHMARKS.md records a run.
//
//   ROSTER_E2E_URL=http://127.0.0.1:8080 ROSTER_E2E_KEY=… node bench.js
import { chromium } from '@playwright/test';

const base = process.env.ROSTER_E2E_URL;
const key = process.env.ROSTER_E2E_KEY || '';
const ROUNDS = 5;

/** @param {number[]} xs @param {number} p */
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

/** A new context (no cache, no storage), signed in, the first page shown. @param {import('@playwright/test').Browser} browser */
async function signedIn(browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${base}/console`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('table.users[aria-rowcount="101"]').waitFor();
  return { context, page };
}

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', args: ['--no-sandbox', '--disable-dev-shm-usage'] });
try {
  // Cold loads: a new browser context each time (no cache, no storage).
  const paints = [];
  const firstRows = [];
  for (let i = 0; i < ROUNDS; i += 1) {
    const { context, page } = await signedIn(browser);
    // The signed-in load a returning viewer sees: reload with the key kept.
    const started = Date.now();
    await page.reload();
    await page.locator('table.users[aria-rowcount="101"]').waitFor();
    firstRows.push(Date.now() - started);
    const fcp = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1);
    paints.push(fcp);
    await context.close();
  }
  console.log(`console bench: first contentful paint, ms (p50 / max of ${ROUNDS} cold loads): ${pct(paints, 50).toFixed(0)} / ${Math.max(...paints).toFixed(0)}`);
  console.log(`console bench: navigation to 100 users on screen, ms (p50 / max): ${pct(firstRows, 50)} / ${Math.max(...firstRows)}`);

  // Scrolling: load every user, then scroll top to bottom frame by frame.
  const { context, page } = await signedIn(browser);
  const total = Number((await page.locator('#user-count').innerText()).replace(/[^0-9]/g, '')) || 0;
  const loadStarted = Date.now();
  for (;;) {
    const count = Number(await page.locator('table.users').getAttribute('aria-rowcount')) - 1;
    if (count >= total) break;
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    await page.waitForFunction((n) => Number(document.querySelector('table.users')?.getAttribute('aria-rowcount')) - 1 > n, count, { timeout: 20_000 });
  }
  console.log(`console bench: ${total} users loaded by scrolling in ${((Date.now() - loadStarted) / 1000).toFixed(1)} s`);
  // End to end in 600 frames (~620 px a frame: a scrollbar dragged top to
  // bottom in ten seconds), then 600 frames of 60 px (a fast wheel).
  for (const [label, perFrame] of [['end to end', 0], ['60 px a frame', 60]]) {
    const frames = await page.evaluate(async (px) => {
      window.scrollTo(0, 0);
      const deltas = [];
      let last = performance.now();
      const step = px || Math.ceil(document.documentElement.scrollHeight / 600);
      for (let i = 0; i < 600; i += 1) {
        await new Promise((r) => requestAnimationFrame(r));
        const now = performance.now();
        deltas.push(now - last);
        last = now;
        window.scrollBy(0, step);
      }
      return deltas;
    }, perFrame);
    const slow = frames.filter((d) => d > 50).length;
    console.log(`console bench: scrolling ${total} rows, ${label}, 600 frames: frame ms p50 ${pct(frames, 50).toFixed(1)}, p95 ${pct(frames, 95).toFixed(1)}, max ${Math.max(...frames).toFixed(1)}; frames over 50 ms: ${slow}`);
  }
  const dom = await page.evaluate(() => document.getElementsByTagName('*').length);
  console.log(`console bench: DOM elements with ${total} rows: ${dom}`);
  await context.close();
} finally {
  await browser.close();
}
