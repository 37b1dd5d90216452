// @ts-check
import { test, expect } from '@playwright/test';
import { BULK_USERS, api, signIn, screenshot } from './support.js';

const find = (/** @type {import('@playwright/test').Page} */ page) => page.getByRole('search', { name: 'Find users' });
const rows = (/** @type {import('@playwright/test').Page} */ page) => page.locator('table.users tbody tr');

const loaded = (/** @type {import('@playwright/test').Page} */ page, /** @type {number} */ n) => expect(page.locator('table.users')).toHaveAttribute('aria-rowcount', String(n + 1));

test('the table shows the zone total and pages through every user as it scrolls, drawing only the rows in view', async ({ page }) => {
  await signIn(page);
  await expect(page.locator('#user-count')).toHaveText(`${BULK_USERS.toLocaleString('en-US')} users`);
  await loaded(page, 100);
  await screenshot(page, 'users');
  // Scrolling to the end loads the next pages until all are there.
  const count = async () => Number(await page.locator('table.users').getAttribute('aria-rowcount')) - 1;
  for (let shown = 100; shown < BULK_USERS;) {
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    await expect.poll(count, { timeout: 15_000 }).toBeGreaterThan(shown);
    shown = await count();
  }
  await loaded(page, BULK_USERS);
  await expect(page.getByRole('button', { name: 'Load more' })).toBeHidden();
  // The document holds the rows in view, not ten thousand.
  expect(await rows(page).count()).toBeLessThan(200);
  // At the bottom: the zone's last user, at its place.
  await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  const last = (await api('GET', '/v1/users?page=100&page_size=100')).data[99];
  const lastRow = page.locator('table.users tbody tr:not(.spacer)').last();
  await expect(lastRow).toContainText(last.email);
  await expect(lastRow).toHaveAttribute('aria-rowindex', String(BULK_USERS + 1));
  // Half way: the row at index 5 000 is the API's 5 000th user.
  const middle = (await api('GET', '/v1/users?page=50&page_size=100')).data[0];
  await page.evaluate(() => {
    const row = /** @type {HTMLElement} */ (document.querySelector('table.users tbody tr:not(.spacer)'));
    window.scrollTo(0, document.querySelector('table.users tbody')?.getBoundingClientRect().top + window.scrollY + row.getBoundingClientRect().height * 4900);
  });
  await expect(page.locator('table.users tbody tr[aria-rowindex="4902"]')).toContainText(middle.email);
});

test('search as you type shows the matches and only the last request counts', async ({ page }) => {
  await signIn(page);
  await loaded(page, 100);
  /** @type {string[]} */
  const searches = [];
  page.on('request', (r) => { const q = new URL(r.url()).searchParams.get('q'); if (q !== null && r.url().includes('/users?')) searches.push(q); });
  await page.getByLabel('Search users').pressSequentially('known1', { delay: 30 });
  await expect(page.locator('#user-count')).toHaveText('11 users');
  await loaded(page, 11);
  await expect(rows(page)).toHaveCount(11);
  // Debounced: far fewer requests than keystrokes, the last one for the whole term.
  expect(searches.length).toBeLessThan(4);
  expect(searches.at(-1)).toBe('known1');
  expect(new URL(page.url()).searchParams.get('q')).toBe('known1');
});

test('filters by status, type, custom attribute and role combine, and live in the URL', async ({ page }) => {
  const someone = (await api('GET', '/v1/users?email=known04@acme.test')).data[0];
  await api('POST', `/v1/users/${someone.id}/role-assignments`, { role_identifier: 'billing' });
  await signIn(page);
  await page.getByText('Filters', { exact: true }).click();
  await find(page).getByRole('group', { name: 'Status' }).getByLabel('disabled').check();
  await expect(page.locator('#user-count')).toHaveText('10 users');
  await find(page).getByLabel('Custom attributes').fill('plan=pro');
  await page.getByRole('button', { name: 'Apply' }).click();
  // known00..39 disabled when i % 4 == 0, pro when i % 3 == 0: 0, 12, 24, 36.
  await expect(page.locator('#user-count')).toHaveText('4 users');
  await find(page).getByRole('group', { name: 'Type' }).getByLabel('saas_admin').check();
  await expect(page.locator('#user-count')).toHaveText('1 user');
  const url = new URL(page.url());
  expect(url.searchParams.get('status')).toBe('disabled');
  expect(url.searchParams.get('attributes.plan')).toBe('pro');
  expect(url.searchParams.get('user_type')).toBe('saas_admin');
  await screenshot(page, 'users-filtered');

  // The link opens the same view, once whoever opens it signs in.
  const shared = await page.context().newPage();
  const link = new URL(page.url());
  await signIn(shared, link.pathname + link.search);
  await expect(shared.locator('#user-count')).toHaveText('1 user');
  await expect(find(shared).getByRole('group', { name: 'Status' }).getByLabel('disabled')).toBeChecked();
  await shared.close();

  await page.getByRole('button', { name: 'Clear filters' }).click();
  await expect(page.locator('#user-count')).toHaveText(`${BULK_USERS.toLocaleString('en-US')} users`);
  await page.getByText('Filters', { exact: true }).click();
  await find(page).getByLabel('Role').fill('billing');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page.locator('#user-count')).toHaveText('1 user');
  await expect(rows(page).first()).toContainText('known04@acme.test');
});

test('a comma list from a shared URL is shown checked and survives another filter', async ({ page }) => {
  await signIn(page, '/console/users?zone=default&status=disabled,suspended&q=known&email=known08@acme.test');
  await expect(page.locator('#user-count')).toHaveText('1 user');
  const status = find(page).getByRole('group', { name: 'Status' });
  await expect(status.getByLabel('disabled')).toBeChecked();
  await expect(status.getByLabel('suspended')).toBeChecked();
  await find(page).getByRole('group', { name: 'Type' }).getByLabel('saas_user', { exact: true }).check();
  await expect(page.locator('#user-count')).toHaveText('1 user');
  const url = new URL(page.url());
  expect(url.searchParams.get('status')?.split(',').sort()).toEqual(['disabled', 'suspended']);
  // A filter the form does not show is kept.
  expect(url.searchParams.get('email')).toBe('known08@acme.test');
});

test('a refused filter is explained next to its field', async ({ page }) => {
  await signIn(page, '/console/users?zone=default&created_at_from=yesterday');
  await expect(page.getByText('Filters', { exact: true })).toBeVisible();
  const input = find(page).getByLabel('Created on or after (UTC)');
  await expect(input).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('[data-field="created_at_from"] .field-error')).not.toBeEmpty();
});

test('sorting by a column orders the rows and is kept in the URL', async ({ page }) => {
  await signIn(page, '/console/users?zone=default&q=known');
  await expect(page.locator('#user-count')).toHaveText('40 users');
  await page.getByRole('button', { name: /^Email, sort ascending/ }).click();
  await expect(rows(page).first()).toContainText('known00@acme.test');
  await expect(page.getByRole('columnheader', { name: /Email/ })).toHaveAttribute('aria-sort', 'ascending');
  await page.getByRole('button', { name: /^Email, sort descending/ }).click();
  await expect(rows(page).first()).toContainText('known39@acme.test');
  expect(new URL(page.url()).searchParams.get('sort')).toBe('-email');
  await page.reload();
  await expect(rows(page).first()).toContainText('known39@acme.test');
});

test('the viewer chooses the columns, and the choice is kept', async ({ page }) => {
  await signIn(page, '/console/users?zone=default&q=known07');
  await expect(rows(page)).toHaveCount(1);
  await page.getByText('Columns', { exact: true }).click();
  await page.getByRole('checkbox', { name: 'Last name' }).check();
  await page.getByRole('checkbox', { name: 'Created' }).uncheck();
  await expect(page.getByRole('columnheader', { name: /Last name/ })).toBeVisible();
  await expect(page.getByRole('columnheader', { name: /Created/ })).toHaveCount(0);
  await expect(rows(page).first()).toContainText('Odd');
  expect(new URL(page.url()).searchParams.get('cols')).toContain('last_name');
  await page.reload();
  await expect(page.getByRole('columnheader', { name: /Last name/ })).toBeVisible();
});
