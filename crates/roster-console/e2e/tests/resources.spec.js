// @ts-check
import { test, expect } from '@playwright/test';
import { BASE, api, signIn, screenshot } from './support.js';

test('an API key is created with its secret shown once and copyable, works, and is revoked', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE });
  await signIn(page, '/console/keys?zone=default');
  await page.getByRole('button', { name: 'New key' }).click();
  const form = page.getByRole('dialog', { name: 'New key' });
  const name = `support-desk-${Date.now()}`;
  await form.getByLabel('Name (required)').fill(name);
  await form.getByRole('checkbox', { name: 'users:read', exact: true }).check();
  await form.getByRole('checkbox', { name: 'eu', exact: true }).check();
  await form.getByRole('button', { name: 'Create key' }).click();
  const shown = page.getByRole('dialog', { name: 'Copy the new key now' });
  const secret = await shown.getByLabel('Secret').inputValue();
  expect(secret).toMatch(/^rk_live_/);
  await screenshot(page, 'key-created');
  await shown.getByRole('button', { name: 'Copy' }).click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
  await shown.getByRole('button', { name: 'Done' }).click();
  // A closed dialog leaves the document on its `close` event.
  await expect(page.locator('dialog')).toHaveCount(0);
  await expect(page.getByRole('cell', { name, exact: true })).toBeVisible();
  // The secret is nowhere on the page any more (values are properties, not markup).
  const onPage = await page.evaluate((s) => document.body.innerText.includes(s)
    || [...document.querySelectorAll('input, textarea')].some((i) => /** @type {HTMLInputElement} */ (i).value.includes(s)), secret);
  expect(onPage).toBe(false);
  await expect(page.getByRole('button', { name: 'New key' })).toBeFocused();

  const asKey = (/** @type {string} */ path) => fetch(BASE + path, { headers: { Authorization: `Bearer ${secret}` } }).then((r) => r.status);
  expect(await asKey('/v1/zones/eu/users')).toBe(200);
  expect(await asKey('/v1/zones/default/users')).toBe(404);

  await page.getByRole('button', { name: `Revoke ${name}` }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
  await expect(page.getByRole('cell', { name, exact: true })).toHaveCount(0);
  await expect.poll(() => asKey('/v1/zones/eu/users'), { timeout: 10_000 }).toBe(401);
});

test('zones are created, renamed and deleted, and a zone with users is refused with the API\'s reason', async ({ page }) => {
  await signIn(page, '/console/zones?zone=default');
  await page.getByRole('button', { name: 'New zone' }).click();
  let dialog = page.getByRole('dialog', { name: 'New zone' });
  await dialog.getByLabel('Identifier (required)').fill('Not A Slug');
  await dialog.getByRole('button', { name: 'Create zone' }).click();
  await expect(dialog.locator('[data-field="identifier"] .field-error')).not.toBeEmpty();
  await dialog.getByLabel('Identifier (required)').fill('apac');
  await dialog.getByRole('button', { name: 'Create zone' }).click();
  await expect(page.getByRole('row', { name: /apac/ })).toBeVisible();
  await screenshot(page, 'zones');

  await page.getByRole('button', { name: 'Edit apac' }).click();
  dialog = page.getByRole('dialog', { name: 'Edit zone apac' });
  await dialog.getByLabel('Name').fill('Asia Pacific');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('cell', { name: 'Asia Pacific', exact: true })).toBeVisible();
  expect((await api('GET', '/v1/zones/apac')).name).toBe('Asia Pacific');

  await page.getByRole('button', { name: 'Delete Europe' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
  await expect(page.locator('#status')).toContainText(/user/i);
  expect((await api('GET', '/v1/zones/eu')).identifier).toBe('eu');

  await page.getByRole('button', { name: 'Delete Asia Pacific' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
  await expect(page.getByRole('cell', { name: 'Asia Pacific', exact: true })).toHaveCount(0);
});

test('roles and providers of a zone are created, edited and deleted', async ({ page }) => {
  await signIn(page, '/console/roles?zone=eu');
  await expect(page.getByRole('heading', { name: 'Roles in eu' })).toBeVisible();
  await page.getByRole('button', { name: 'New role' }).click();
  let dialog = page.getByRole('dialog', { name: 'New role' });
  await dialog.getByLabel('Identifier (required)').fill('auditor');
  await dialog.getByLabel('Description').fill('Reads everything');
  await dialog.getByRole('button', { name: 'Create role' }).click();
  await expect(page.getByRole('cell', { name: 'Reads everything' })).toBeVisible();
  await page.getByRole('button', { name: 'Edit auditor' }).click();
  dialog = page.getByRole('dialog', { name: 'Edit role auditor' });
  await dialog.getByLabel('Name').fill('Auditor');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('cell', { name: 'Auditor', exact: true })).toBeVisible();
  expect((await api('GET', '/v1/zones/eu/roles/auditor')).name).toBe('Auditor');
  await page.getByRole('button', { name: 'Delete Auditor' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
  await expect(page.getByRole('cell', { name: 'Auditor', exact: true })).toHaveCount(0);

  await page.getByRole('link', { name: 'Providers' }).click();
  await expect(page.getByRole('heading', { name: 'Identity providers in eu' })).toBeVisible();
  await page.getByRole('button', { name: 'New provider' }).click();
  dialog = page.getByRole('dialog', { name: 'New provider' });
  await dialog.getByLabel('Identifier (required)').fill('entra');
  await dialog.getByLabel('Issuer (required)').fill('https://login.example.com/tenant/v2.0');
  await dialog.getByRole('button', { name: 'Create provider' }).click();
  await expect(page.getByRole('cell', { name: 'https://login.example.com/tenant/v2.0' })).toBeVisible();
  expect((await api('GET', '/v1/zones/eu/providers/entra')).issuer).toBe('https://login.example.com/tenant/v2.0');
  await page.getByRole('button', { name: 'Delete entra' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
  await expect(page.getByRole('cell', { name: 'entra', exact: true })).toHaveCount(0);
});

test('switching zones shows that zone\'s users, and the zone is in every link', async ({ page }) => {
  await signIn(page, '/console/users?zone=default');
  await expect(page.locator('#user-count')).toHaveText('10,000 users');
  await page.getByLabel('Zone', { exact: true }).selectOption('eu');
  await page.getByRole('button', { name: 'Switch' }).click();
  await expect(page.locator('#user-count')).toHaveText('1 user');
  await expect(page.getByRole('link', { name: 'only.in.eu@example.com' })).toBeVisible();
  expect(new URL(page.url()).searchParams.get('zone')).toBe('eu');
  await page.getByRole('link', { name: 'Roles' }).click();
  await expect(page.getByRole('heading', { name: 'Roles in eu' })).toBeVisible();
  await page.getByRole('link', { name: 'Users' }).click();
  await page.getByRole('link', { name: 'only.in.eu@example.com' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Eula Europa');
  // Back returns to the list.
  await page.goBack();
  await expect(page.locator('#user-count')).toHaveText('1 user');
});

test('browsing the zone picker with the keyboard changes no zone until Switch', async ({ page }) => {
  await signIn(page, '/console/users?zone=default');
  await expect(page.locator('#user-count')).toHaveText('10,000 users');
  const picker = page.getByLabel('Zone', { exact: true });
  await picker.focus();
  // In a closed select the arrow keys change its value (and fire `change`).
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  const browsed = await picker.inputValue();
  expect(browsed).not.toBe('default');
  expect(new URL(page.url()).searchParams.get('zone')).toBe('default');
  await expect(page.locator('#user-count')).toHaveText('10,000 users');
  // Leaving the picker puts the current zone back on show.
  await page.getByRole('link', { name: 'Roles' }).focus();
  await expect(picker).toHaveValue('default');
  // The button switches.
  await picker.focus();
  await page.keyboard.press('ArrowDown');
  const chosen = await picker.inputValue();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Switch' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect.poll(() => new URL(page.url()).searchParams.get('zone')).toBe(chosen);
  await expect(picker).toHaveValue(chosen);
});
