// @ts-check
import { test, expect } from '@playwright/test';
import { api, signIn, screenshot } from './support.js';

// These tests make their users in a zone of their own, so the default
// zone's 10 000 stay 10 000 whatever order the files run in.
const Z = '/v1/zones/scratch';

/** A fresh user for one test. @param {string} tag */
async function freshUser(tag) {
  return api('POST', `${Z}/users`, { email: `${tag}.${Date.now()}@page.test`, first_name: 'Page', last_name: tag, attributes: { plan: 'free', nested: { a: 1, b: 2 } } });
}

const profile = (/** @type {import('@playwright/test').Page} */ page) => page.locator('form.user-form');

test('a user is edited through a merge patch, custom attributes as JSON included', async ({ page }) => {
  const user = await freshUser('edit');
  await signIn(page, `/console/users/${user.id}?zone=scratch`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(user.name);
  await expect(page.getByText(user.id).first()).toBeVisible();
  await screenshot(page, 'user');
  await profile(page).getByLabel('First name').fill('Edited');
  await profile(page).getByLabel('Custom attributes (JSON)').fill('{"plan": "pro", "nested": {"a": 1}}');
  /** @type {any} */
  let sent = null;
  page.on('request', (r) => { if (r.method() === 'PATCH') sent = { body: r.postDataJSON(), ifMatch: r.headers()['if-match'], type: r.headers()['content-type'] }; });
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.locator('#status')).toHaveText(/^Saved at/);
  expect(sent.type).toBe('application/merge-patch+json');
  expect(sent.ifMatch).toMatch(/^"/);
  expect(sent.body).toEqual({ first_name: 'Edited', attributes: { plan: 'pro', nested: { b: null } } });
  const stored = await api('GET', `${Z}/users/${user.id}`);
  expect(stored.first_name).toBe('Edited');
  expect(stored.attributes).toEqual({ plan: 'pro', nested: { a: 1 } });
});

test('saving over someone else\'s change says so, keeps the edits, and saves after a reload', async ({ page }) => {
  const user = await freshUser('stale');
  await signIn(page, `/console/users/${user.id}?zone=scratch`);
  await profile(page).getByLabel('Last name').fill('Mine');
  await api('PATCH', `${Z}/users/${user.id}`, { first_name: 'Theirs' });
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Someone else changed this user' })).toBeVisible();
  await expect(profile(page).getByLabel('Last name')).toHaveValue('Mine');
  expect((await api('GET', `${Z}/users/${user.id}`)).last_name).toBe('stale');
  await screenshot(page, 'user-stale');
  await page.getByRole('button', { name: /Load their version/ }).click();
  await expect(profile(page).getByLabel('First name')).toHaveValue('Theirs');
  await expect(page.getByRole('alert').filter({ hasText: 'Someone else changed this user' })).toBeHidden();
  await profile(page).getByLabel('Last name').fill('Mine');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.locator('#status')).toHaveText(/^Saved at/);
  const stored = await api('GET', `${Z}/users/${user.id}`);
  expect([stored.first_name, stored.last_name]).toEqual(['Theirs', 'Mine']);
});

test('saving with a key that cannot list providers keeps the user\'s provider', async ({ page }) => {
  const provider = await api('GET', `${Z}/providers/okta-scratch`).catch(() => api('POST', `${Z}/providers`, { identifier: 'okta-scratch', issuer: 'https://okta-scratch.example.com' }));
  const user = await freshUser('linked');
  await api('PATCH', `${Z}/users/${user.id}`, { provider_id: provider.id });
  const limited = await api('POST', '/v1/api-keys', { name: `no-zones-read-${Date.now()}`, scopes: ['users:write'] });
  await signIn(page, `/console/users/${user.id}?zone=scratch`, limited.key);
  // Nothing edited: nothing to save.
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.locator('#status')).toHaveText('Nothing to save.');
  await profile(page).getByLabel('First name').fill('Linked');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.locator('#status')).toHaveText(/^Saved at/);
  const stored = await api('GET', `${Z}/users/${user.id}`);
  expect([stored.first_name, stored.provider_id]).toEqual(['Linked', provider.id]);
  await api('DELETE', `/v1/api-keys/${limited.id}`);
});

test('the API\'s errors appear next to the field they name', async ({ page }) => {
  const user = await freshUser('errors');
  const other = await freshUser('taken');
  await signIn(page, `/console/users/${user.id}?zone=scratch`);
  await profile(page).getByLabel('Email (required)').fill(other.email);
  await page.getByRole('button', { name: 'Save changes' }).click();
  const email = profile(page).locator('[data-field="email"]');
  await expect(email.locator('.field-error')).toContainText(/email/i);
  await expect(email.locator('input')).toHaveAttribute('aria-invalid', 'true');
  await expect(email.locator('input')).toBeFocused();
  // Not JSON: refused in the browser, next to the field.
  await profile(page).getByLabel('Email (required)').fill(user.email);
  await profile(page).getByLabel('Custom attributes (JSON)').fill('{"plan": ');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(profile(page).locator('[data-field="attributes"] .field-error')).toContainText('Not valid JSON');
  // A server-side rule on a nested field.
  await profile(page).getByLabel('Custom attributes (JSON)').fill('{}');
  await profile(page).getByLabel('Status').selectOption('active');
  await profile(page).getByLabel('Identifier').fill('x'.repeat(300));
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(profile(page).locator('[data-field="identifier"] .field-error')).not.toBeEmpty();
});

test('a user is created, then deleted after confirmation', async ({ page }) => {
  await signIn(page, '/console/users?zone=scratch');
  await page.getByRole('link', { name: 'New user' }).click();
  const email = `created.${Date.now()}@page.test`;
  await page.getByLabel('Email (required)').fill(email);
  await page.getByLabel('First name').fill('Newly');
  await page.getByLabel('Custom attributes (JSON)').fill('{"plan": "trial"}');
  await page.getByRole('button', { name: 'Create user' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Newly');
  const created = (await api('GET', `${Z}/users?email=${encodeURIComponent(email)}`)).data[0];
  expect(created.attributes).toEqual({ plan: 'trial' });
  await page.getByRole('button', { name: 'Delete user' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete this user?' });
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  expect((await api('GET', `${Z}/users?email=${encodeURIComponent(email)}`)).data).toHaveLength(1);
  await page.getByRole('button', { name: 'Delete user' }).click();
  await dialog.getByRole('button', { name: 'Delete user' }).click();
  await expect(page.getByRole('heading', { name: 'Users' })).toBeVisible();
  expect((await api('GET', `${Z}/users?email=${encodeURIComponent(email)}`)).data).toHaveLength(0);
});

test('roles are assigned and removed, sessions and grants revoked, and the activity shows it', async ({ page }) => {
  const user = await freshUser('related');
  const session = await api('POST', `${Z}/users/${user.id}/sessions`, {});
  await api('POST', `${Z}/users/${user.id}/grants`, { client_id: 'reporting-app', resource: 'https://api.example.com', scopes: ['read'] });
  await signIn(page, `/console/users/${user.id}?zone=scratch`);
  const roles = page.getByRole('region', { name: 'Roles' });
  await roles.getByLabel('Role to assign').selectOption('support');
  await roles.getByRole('button', { name: 'Assign' }).click();
  await expect(roles.getByRole('cell', { name: 'support' })).toBeVisible();
  expect((await api('GET', `${Z}/users/${user.id}/role-assignments`)).data.map((/** @type {any} */ a) => a.role_identifier)).toEqual(['support']);

  const sessions = page.getByRole('region', { name: 'Sessions' });
  await expect(sessions.getByRole('cell', { name: session.id })).toBeVisible();
  await sessions.getByRole('button', { name: 'Revoke' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
  await expect(sessions.getByText('revoked')).toBeVisible();
  expect((await api('GET', `${Z}/users/${user.id}/sessions/${session.id}`)).status).toBe('revoked');

  const grants = page.getByRole('region', { name: 'Grants' });
  await grants.getByRole('button', { name: 'Revoke' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
  await expect(grants.getByText('revoked')).toBeVisible();

  await roles.getByRole('button', { name: 'Remove' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
  await expect(roles.getByText('No role assignments.')).toBeVisible();

  await page.reload();
  const activity = page.getByRole('region', { name: 'Activity' });
  for (const type of ['user.created', 'session.created', 'grant.created', 'role_assignment.created', 'session.revoked', 'grant.revoked', 'role_assignment.deleted']) {
    await expect(activity.getByText(type, { exact: true })).toBeVisible();
  }
  // Newest first.
  await expect(activity.locator('li').first()).toContainText('role_assignment.deleted');
  await screenshot(page, 'user-related');
});
