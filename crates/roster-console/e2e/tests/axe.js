// @ts-check
// axe-core run inside the page. DevTools evaluation is not bound by the
// console's Content-Security-Policy, so the policy the tests check stays
// the one served (no bypassCSP context).
import fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const source = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/**
 * The WCAG 2.x A/AA rules and axe's best practices, on the whole page.
 * @param {import('@playwright/test').Page} page
 * @returns {Promise<{violations: {id: string, impact: string, help: string, nodes: {target: string[]}[]}[]}>}
 */
export async function runAxe(page) {
  await page.evaluate(source);
  return page.evaluate(() => /** @type {any} */ (window).axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
    resultTypes: ['violations'],
  }));
}
