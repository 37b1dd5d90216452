// @ts-check
// The data every test reads, made through the public API with the
// bootstrap key: a second zone, roles, a provider, and 10 000 users in
// the default zone (the table's scrolling and paging test), 40 of them
// with known fields for search, filters and sorting.
import { api, BULK_USERS } from './tests/support.js';

export default async function globalSetup() {
  await api('POST', '/v1/zones', { identifier: 'eu', name: 'Europe' });
  await api('POST', '/v1/zones', { identifier: 'scratch', name: 'Scratch' });
  for (const identifier of ['support', 'billing']) await api('POST', '/v1/zones/scratch/roles', { identifier });
  await api('POST', '/v1/zones/eu/users', { email: 'only.in.eu@example.com', first_name: 'Eula', last_name: 'Europa' });
  for (const identifier of ['support', 'billing']) await api('POST', '/v1/roles', { identifier, name: identifier[0].toUpperCase() + identifier.slice(1) });
  await api('POST', '/v1/providers', { identifier: 'okta', issuer: 'https://okta.example.com' });

  const known = [];
  for (let i = 0; i < 40; i += 1) {
    known.push({
      email: `known${String(i).padStart(2, '0')}@acme.test`,
      first_name: `Known${i}`,
      last_name: i % 2 ? 'Odd' : 'Even',
      status: i % 4 === 0 ? 'disabled' : 'active',
      user_type: i % 5 === 0 ? 'saas_admin' : 'saas_user',
      attributes: { plan: i % 3 === 0 ? 'pro' : 'free', seats: i },
    });
  }
  const bodies = [...known];
  for (let i = 0; bodies.length < BULK_USERS; i += 1) bodies.push({ email: `bulk${i}@filler.test`, first_name: 'Bulk', last_name: `Filler${i}` });
  for (let at = 0; at < bodies.length; at += 1000) {
    const answer = await api('POST', '/v1/users/batch', { operations: bodies.slice(at, at + 1000).map((body) => ({ op: 'create', body })) });
    const failed = answer.results.filter((/** @type {any} */ r) => r.status !== 201);
    if (failed.length) throw new Error(`seeding failed: ${JSON.stringify(failed[0])}`);
  }
}
