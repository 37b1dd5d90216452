// Listing: auto-pagination, page mode, backward paging, filters, search,
// sort and expand against a live server.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Page, Roster } from '../dist/index.js';
import { startServer } from '../test-helpers/server.mjs';

const N = 25;
let server;
let client;
/** The users created, in creation order. */
const users = [];
let midpoint;

const STATUSES = ['active', 'onboarding', 'suspended', 'active', 'disabled'];

before(async () => {
  server = await startServer();
  client = new Roster({ baseUrl: server.baseUrl, apiKey: server.apiKey });
  for (let i = 0; i < N; i++) {
    if (i === 15) {
      await new Promise((r) => setTimeout(r, 20));
      midpoint = new Date();
      await new Promise((r) => setTimeout(r, 20));
    }
    users.push(
      await client.users.create({
        email: `person${String(i).padStart(2, '0')}@example.com`,
        identifier: `person-${String(i).padStart(2, '0')}`,
        first_name: i % 2 === 0 ? 'Even' : 'Odd',
        last_name: `Number${i}`,
        description: i === 7 ? 'the lucky one' : null,
        user_type: i % 3 === 0 ? 'saas_admin' : 'saas_user',
        status: STATUSES[i % STATUSES.length],
        attributes: { rank: i, team: i < 10 ? 'red' : 'blue', vip: i % 4 === 0, code: String(i) },
      }),
    );
  }
});
after(() => server?.stop());

const ids = (list) => list.map((u) => u.id);

describe('auto-pagination', () => {
  test('for await walks every user across at least three pages', async () => {
    const seen = [];
    for await (const user of client.users.list({ limit: 10 })) seen.push(user);
    assert.equal(seen.length, N);
    assert.deepEqual(ids(seen), ids(users));
    assert.equal(new Set(ids(seen)).size, N);
  });

  test('iterPages yields each page once; hasNextPage and nextPage', async () => {
    const sizes = [];
    for await (const page of client.users.list({ limit: 10 }).iterPages()) {
      assert.ok(page instanceof Page);
      assert.equal(page.totalCount, N);
      sizes.push(page.data.length);
    }
    assert.deepEqual(sizes, [10, 10, 5]);

    const first = await client.users.list({ limit: 10 });
    assert.equal(first.hasNextPage(), true);
    assert.equal(first.pageInfo.hasNextPage, true);
    assert.equal(first.pageInfo.hasPreviousPage, false);
    assert.equal(typeof first.pageInfo.endCursor, 'string');
    assert.equal(first.body.page_info.end_cursor, first.pageInfo.endCursor);
    const second = await first.nextPage();
    assert.deepEqual(ids(second.data), ids(users.slice(10, 20)));
    assert.equal(second.pageInfo.hasPreviousPage, true);
    const third = await second.nextPage();
    assert.deepEqual(ids(third.data), ids(users.slice(20)));
    assert.equal(third.hasNextPage(), false);
    await assert.rejects(third.nextPage(), /No next page/);
  });

  test('iterating an awaited page continues from that page', async () => {
    const first = await client.users.list({ limit: 7 });
    const rest = [];
    for await (const u of first) rest.push(u);
    assert.deepEqual(ids(rest), ids(users));
    assert.deepEqual(ids(await client.users.list({ limit: 7 }).toArray()), ids(users));
  });

  test('backward paging with before walks to the start', async () => {
    let last = await client.users.list({ limit: 10 });
    while (last.hasNextPage()) last = await last.nextPage();
    assert.equal(last.data.at(-1).id, users[N - 1].id);

    const back = await client.users.list({ limit: 10, before: last.pageInfo.endCursor });
    assert.deepEqual(ids(back.data), ids(users.slice(N - 11, N - 1)));
    assert.equal(back.hasNextPage(), true);
    const seen = [];
    for await (const u of back) seen.push(u);
    assert.equal(seen.length, N - 1);
    assert.deepEqual(new Set(ids(seen)), new Set(ids(users.slice(0, N - 1))));
  });
});

describe('page mode', () => {
  test('page and pageSize', async () => {
    const page2 = await client.users.list({ page: 2, pageSize: 10 });
    assert.equal(page2.page, 2);
    assert.equal(page2.pageSize, 10);
    assert.equal(page2.totalCount, N);
    assert.deepEqual(ids(page2.data), ids(users.slice(10, 20)));
    assert.equal(page2.hasNextPage(), true);
    const page3 = await page2.nextPage();
    assert.equal(page3.page, 3);
    assert.deepEqual(ids(page3.data), ids(users.slice(20)));
    assert.equal(page3.hasNextPage(), false);
  });

  test('seed 004: client.users.list({ page: 1, limit: 10 })', async () => {
    const page = await client.users.list({ page: 1, limit: 10 });
    assert.equal(page.page, 1);
    assert.equal(page.data.length, 10);
    assert.equal(page.totalCount, N);
  });

  test('for await in page mode visits every user', async () => {
    const seen = [];
    for await (const u of client.users.list({ page: 1, pageSize: 6 })) seen.push(u);
    assert.deepEqual(ids(seen), ids(users));
  });
});

describe('filters, search, sort and expand', () => {
  test('status and userType take one value or a list', async () => {
    const active = await client.users.list({ status: 'active', limit: 100 });
    assert.deepEqual(ids(active.data), ids(users.filter((u) => u.status === 'active')));
    const some = await client.users.list({ status: ['onboarding', 'disabled'], limit: 100 });
    assert.deepEqual(ids(some.data), ids(users.filter((u) => ['onboarding', 'disabled'].includes(u.status))));
    const admins = await client.users.list({ userType: ['saas_admin'], limit: 100 });
    assert.deepEqual(ids(admins.data), ids(users.filter((u) => u.user_type === 'saas_admin')));
    const activeAdmins = await client.users.list({ userType: 'saas_admin', status: 'active' });
    assert.equal(activeAdmins.totalCount, users.filter((u) => u.user_type === 'saas_admin' && u.status === 'active').length);
  });

  test('email and identifier match case-insensitively', async () => {
    const byEmail = await client.users.list({ email: 'PERSON03@example.com' });
    assert.deepEqual(ids(byEmail.data), [users[3].id]);
    const byIdentifier = await client.users.list({ identifier: 'Person-04' });
    assert.deepEqual(ids(byIdentifier.data), [users[4].id]);
  });

  test('id takes a list; createdBy filters on the acting key', async () => {
    const some = await client.users.list({ id: [users[1].id, users[2].id] });
    assert.deepEqual(ids(some.data), [users[1].id, users[2].id]);
    const one = await client.users.list({ id: users[5].id });
    assert.deepEqual(ids(one.data), [users[5].id]);
    const byKey = await client.users.list({ createdBy: users[0].created_by, updatedBy: users[0].updated_by });
    assert.equal(byKey.totalCount, N);
  });

  test('date ranges take Dates or strings', async () => {
    const later = await client.users.list({ createdAtFrom: midpoint, limit: 100 });
    assert.deepEqual(ids(later.data), ids(users.slice(15)));
    const earlier = await client.users.list({ createdAtTo: midpoint.toISOString(), limit: 100 });
    assert.deepEqual(ids(earlier.data), ids(users.slice(0, 15)));
    const none = await client.users.list({ updatedAtFrom: new Date(Date.now() + 3600_000) });
    assert.equal(none.totalCount, 0);
    assert.deepEqual(none.data, []);
    assert.equal(none.pageInfo.endCursor, null);
    assert.equal(none.hasNextPage(), false);
    const all = await client.users.list({ updatedAtFrom: new Date(0), updatedAtTo: new Date(Date.now() + 3600_000) });
    assert.equal(all.totalCount, N);
  });

  test('attributes filter by JSON value', async () => {
    const rank = await client.users.list({ attributes: { rank: 7 } });
    assert.deepEqual(ids(rank.data), [users[7].id]);
    const red = await client.users.list({ attributes: { team: 'red' }, limit: 100 });
    assert.equal(red.totalCount, 10);
    const vipBlue = await client.users.list({ attributes: { vip: true, team: 'blue' }, limit: 100 });
    assert.deepEqual(ids(vipBlue.data), ids(users.filter((u) => u.attributes.vip && u.attributes.team === 'blue')));
    // A numeric-looking string matches the string, not the number.
    const code = await client.users.list({ attributes: { code: '12' } });
    assert.deepEqual(ids(code.data), [users[12].id]);
    const noNumber = await client.users.list({ attributes: { code: 12 } });
    assert.equal(noNumber.totalCount, 0);
  });

  test('search, q and query[]', async () => {
    const lucky = await client.users.list({ search: 'LUCKY' });
    assert.deepEqual(ids(lucky.data), [users[7].id]);
    const q = await client.users.list({ q: 'person07' });
    assert.deepEqual(ids(q.data), [users[7].id]);
    const terms = await client.users.list({ query: ['person1', 'odd'], limit: 100 });
    assert.deepEqual(
      new Set(ids(terms.data)),
      new Set(ids(users.filter((u, i) => String(i).padStart(2, '0').startsWith('1') && u.first_name === 'Odd'))),
    );
    // Ranking: the whole-field match comes first.
    const ranked = await client.users.list({ search: 'person-02' });
    assert.equal(ranked.data[0].id, users[2].id);
  });

  test('sortBy / sortOrder and the multi-key sort', async () => {
    const desc = await client.users.list({ sortBy: 'email', sortOrder: 'desc', limit: 100 });
    assert.deepEqual(ids(desc.data), ids([...users].reverse()));
    const multi = await client.users.list({ sort: ['first_name', '-email'], limit: 100 });
    const expected = [...users].sort(
      (a, b) => a.first_name.localeCompare(b.first_name) || b.email.localeCompare(a.email),
    );
    assert.deepEqual(ids(multi.data), ids(expected));
    // Any sort pages with cursors.
    const walked = [];
    for await (const u of client.users.list({ sortBy: 'last_name', limit: 4 })) walked.push(u);
    assert.equal(walked.length, N);
    assert.deepEqual(
      walked.map((u) => u.last_name),
      users.map((u) => u.last_name).sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())),
    );
  });

  test('expand adds role_assignments, grant_count and session_count', async () => {
    const target = users[0];
    await client.roles.create({ identifier: 'auditor' });
    await client.users.roleAssignments.create(target.id, { role_identifier: 'auditor' });
    await client.users.sessions.create(target.id, {});
    await client.users.grants.create(target.id, { client_id: 'app', resource: 'https://api.example.com', scopes: ['read'] });

    const plain = await client.users.list({ email: target.email });
    assert.equal(plain.data[0].role_assignments, undefined);
    assert.equal(plain.data[0].session_count, undefined);

    const expanded = await client.users.list({
      email: target.email,
      expand: ['role_assignments', 'grant_count', 'session_count'],
    });
    const u = expanded.data[0];
    assert.equal(u.grant_count, 1);
    assert.equal(u.session_count, 1);
    assert.equal(u.role_assignments.length, 1);
    assert.equal(u.role_assignments[0].role_identifier, 'auditor');

    const one = await client.users.retrieve(target.id, { expand: ['role-assignments', 'session_count'] });
    assert.equal(one.role_assignments[0].role_identifier, 'auditor');
    assert.equal(one.session_count, 1);
    assert.equal(one.grant_count, undefined);

    const byRole = await client.users.list({ role: 'auditor' });
    assert.deepEqual(ids(byRole.data), [target.id]);
  });
});
