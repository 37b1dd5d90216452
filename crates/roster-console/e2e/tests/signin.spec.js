// @ts-check
import { test, expect } from '@playwright/test';
import { BASE, KEY, api, signIn } from './support.js';

test('a wrong key is refused next to the key field and nothing is kept', async ({ page }) => {
  await page.goto('/console');
  await page.getByLabel('API key').fill('rk_live_not_a_real_key_000000000000');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.locator('#api-key-error')).toHaveText(/not valid/);
  await expect(page.getByLabel('API key')).toHaveAttribute('aria-invalid', 'true');
  expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
});

test('the key is held in the tab session only, never in a cookie, local storage or a URL', async ({ page, context }) => {
  /** @type {string[]} */
  const urls = [];
  page.on('request', (r) => urls.push(r.url()));
  await signIn(page);
  await expect(page.getByRole('table')).toBeVisible();
  const stored = await page.evaluate(() => ({ session: Object.values(sessionStorage), local: Object.values(localStorage) }));
  expect(stored.session).toContain(KEY);
  expect(stored.local.join(' ')).not.toContain(KEY);
  expect((await context.cookies()).length).toBe(0);
  expect(urls.some((u) => u.includes(KEY))).toBe(false);
  expect(page.url()).not.toContain(KEY);
});

test('every request stays on this origin and the page obeys its strict policy', async ({ page }) => {
  /** @type {string[]} */
  const foreign = [];
  page.on('request', (r) => { if (!r.url().startsWith(BASE)) foreign.push(r.url()); });
  await page.addInitScript(() => {
    /** @type {any} */ (window).violations = [];
    document.addEventListener('securitypolicyviolation', (e) => /** @type {any} */ (window).violations.push(e.violatedDirective));
  });
  const response = await page.goto('/console/users');
  const csp = (await response?.allHeaders())?.['content-security-policy'] || '';
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain('unsafe-inline');
  expect(csp).not.toContain('unsafe-eval');
  await signIn(page);
  await page.getByRole('link', { name: 'Zones' }).click();
  await expect(page.getByRole('heading', { name: 'Zones' })).toBeVisible();
  expect(await page.evaluate(() => /** @type {any} */ (window).violations)).toEqual([]);
  expect(foreign).toEqual([]);
  // An inline script would be refused by the policy.
  const ran = await page.evaluate(() => new Promise((resolve) => {
    document.addEventListener('securitypolicyviolation', () => resolve('blocked'), { once: true });
    const s = document.createElement('script');
    s.textContent = 'window.__inline = 1';
    document.body.append(s);
    setTimeout(() => resolve(/** @type {any} */ (window).__inline ? 'ran' : 'blocked'), 500);
  }));
  expect(ran).toBe('blocked');
});

test('a key revoked during the session leads back to sign-in with the reason', async ({ page }) => {
  const key = await api('POST', '/v1/api-keys', { name: `short-lived-${Date.now()}`, scopes: ['admin'] });
  await signIn(page, '/console/users?zone=default', key.key);
  await api('DELETE', `/v1/api-keys/${key.id}`);
  // Revocation reaches this node within the key cache's 5 s. Each try
  // opens another section, so that each is a request of its own.
  let turn = 0;
  await expect.poll(async () => {
    if (await page.getByLabel('API key').isVisible()) return true;
    turn += 1;
    await page.getByRole('link', { name: turn % 2 ? 'Roles' : 'Zones' }).click();
    await page.waitForTimeout(300);
    return page.getByLabel('API key').isVisible();
  }, { timeout: 15_000, intervals: [1000] }).toBe(true);
  await expect(page.getByRole('alert')).toBeVisible();
  expect(await page.evaluate(() => Object.values(sessionStorage))).not.toContain(key.key);
  // Back on the sign-in page shows the sign-in page still.
  await page.goBack();
  await expect(page.getByLabel('API key')).toBeVisible();
});

test('signing out forgets the key', async ({ page }) => {
  await signIn(page);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByLabel('API key')).toBeVisible();
  expect(await page.evaluate(() => Object.values(sessionStorage))).not.toContain(KEY);
  await page.reload();
  await expect(page.getByLabel('API key')).toBeVisible();
});
