// @ts-check
// What the tests share: the server, the key, API calls made around the
// browser (to arrange a state, or to check what the console did), signing
// in, and the screenshots linked from the README.
import { expect } from '@playwright/test';
import { runAxe } from './axe.js';

export const BASE = process.env.ROSTER_E2E_URL || 'http://127.0.0.1:8080';
export const KEY = process.env.ROSTER_E2E_KEY || '';
export const BACKEND = process.env.ROSTER_E2E_BACKEND || 'sqlite';
export const BULK_USERS = 10_000;

/**
 * @param {string} method @param {string} path @param {unknown} [body] @param {Record<string, string>} [headers]
 * @returns {Promise<any>}
 */
export async function api(method, path, body, headers = {}) {
  const response = await fetch(BASE + path, {
    method,
    headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** Opens the console at `path` signed in with `key`. @param {import('@playwright/test').Page} page */
export async function signIn(page, path = '/console/users', key = KEY) {
  await page.goto(path);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('navigation', { name: 'Sections' })).toBeVisible();
}

/**
 * Saves a screenshot of the page for the README (SQLite run only: one set).
 * @param {import('@playwright/test').Page} page @param {string} name
 */
export async function screenshot(page, name) {
  const dir = process.env.ROSTER_E2E_SCREENSHOTS;
  if (!dir || BACKEND !== 'sqlite') return;
  await page.screenshot({ path: `${dir}/${name}.png`, fullPage: false });
}

/** No serious or critical axe-core violation on the page. @param {import('@playwright/test').Page} page @param {string} where */
export async function expectAccessible(page, where) {
  const results = await runAxe(page);
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${where}: ${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join('; ')}`)).toEqual([]);
}
