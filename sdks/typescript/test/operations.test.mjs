// Operation coverage: every operationId of <repo>/openapi.json maps to a
// function of the client, and the operational endpoints answer.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Roster, userListQuery } from '../dist/index.js';
import { readOpenApi, startServer } from '../test-helpers/server.mjs';

const camel = (s) => s.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());

function operations(doc) {
  const ops = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      ops.push({ path, method, op });
    }
  }
  return ops;
}

describe('operation coverage', () => {
  const doc = readOpenApi();
  const client = new Roster({ baseUrl: 'http://127.0.0.1:9', apiKey: 'rk_unused_0123456789abcdef' });

  test('every operationId of openapi.json is a client function', () => {
    const ops = operations(doc);
    assert.ok(ops.length >= 60, `expected the full API, found ${ops.length} operations`);
    const missing = [];
    for (const { path, method, op } of ops) {
      assert.ok(op.operationId, `${method.toUpperCase()} ${path} has no operationId`);
      const segments = op.operationId.split('.').map(camel);
      let target = client;
      for (const seg of segments.slice(0, -1)) target = target?.[seg];
      const fn = target?.[segments.at(-1)];
      if (typeof fn !== 'function') {
        missing.push(`${op.operationId} -> client.${segments.join('.')}`);
        continue;
      }
      // Path parameters come first, in path order (zone first, then the user, …).
      const pathParams = (op.parameters ?? []).filter((p) => p.in === 'path');
      assert.ok(
        fn.length >= pathParams.length,
        `client.${segments.join('.')} takes ${fn.length} arguments, fewer than its ${pathParams.length} path parameters`,
      );
    }
    assert.deepEqual(missing, [], `operations without a client function:\n${missing.join('\n')}`);
  });

  test('the seed spellings exist: users.get, zones.users.list, roleAssignments, signIns, apiKeys', () => {
    for (const fn of [
      client.users.get,
      client.users.retrieve,
      client.zones.users.list,
      client.zones.users.get,
      client.users.roleAssignments.create,
      client.providers.signIns.create,
      client.zones.providers.signIns.create,
      client.apiKeys.list,
    ]) {
      assert.equal(typeof fn, 'function');
    }
  });

  test('users.list sends every query parameter of the OpenAPI list operations', () => {
    const all = userListQuery({
      after: 'a',
      before: 'b',
      limit: 1,
      page: 1,
      pageSize: 1,
      id: ['x', 'y'],
      email: 'e',
      identifier: 'i',
      userType: ['saas_user'],
      status: ['active', 'disabled'],
      createdBy: 'k',
      updatedBy: 'k',
      createdAtFrom: new Date(0),
      createdAtTo: '2030-01-01T00:00:00Z',
      updatedAtFrom: new Date(0),
      updatedAtTo: new Date(0),
      providerId: 'p',
      externalId: 'x',
      role: 'r',
      search: 's',
      q: 'q',
      query: ['a', 'b'],
      sortBy: 'email',
      sortOrder: 'desc',
      sort: ['-created_at', 'email'],
      expand: ['role_assignments'],
      attributes: { plan: 'pro' },
    });
    const sent = new Set(all.map(([k]) => (k.startsWith('attributes.') ? 'attributes.<key>' : k)));
    for (const opId of ['users.list', 'zones.users.list']) {
      const op = operations(doc).find((o) => o.op.operationId === opId).op;
      for (const p of op.parameters.filter((p) => p.in === 'query')) {
        assert.ok(sent.has(p.name), `${opId} query parameter ${p.name} is never sent`);
      }
    }
    const q = new URLSearchParams(all);
    assert.equal(q.get('id'), 'x,y');
    assert.equal(q.get('status'), 'active,disabled');
    assert.equal(q.get('page_size'), '1');
    assert.deepEqual(q.getAll('query[]'), ['a', 'b']);
    assert.deepEqual(q.getAll('expand[]'), ['role_assignments']);
    assert.equal(q.get('sort'), '-created_at,email');
    assert.equal(q.get('created_at_from'), '1970-01-01T00:00:00.000Z');
    assert.equal(q.get('attributes.plan'), 'pro');
  });

  test('attribute filter values are JSON-encoded unless plain strings', () => {
    const q = new URLSearchParams(
      userListQuery({ attributes: { n: 3, b: true, z: null, s: 'pro', looksNumeric: '3', looksBool: 'false' } }),
    );
    assert.equal(q.get('attributes.n'), '3');
    assert.equal(q.get('attributes.b'), 'true');
    assert.equal(q.get('attributes.z'), 'null');
    assert.equal(q.get('attributes.s'), 'pro');
    assert.equal(q.get('attributes.looksNumeric'), '"3"');
    assert.equal(q.get('attributes.looksBool'), '"false"');
  });
});

describe('operational endpoints', () => {
  let server;
  let client;
  before(async () => {
    server = await startServer();
    client = new Roster({ baseUrl: server.baseUrl, apiKey: server.apiKey });
  });
  after(() => server?.stop());

  test('health.check and health.ready', async () => {
    assert.deepEqual(await client.health.check(), { status: 'ok' });
    assert.equal((await client.health.ready()).status, 'ready');
  });

  test('health works without an API key', async () => {
    const anonymous = new Roster({ baseUrl: server.baseUrl, apiKey: undefined });
    assert.equal((await anonymous.health.check()).status, 'ok');
  });

  test('metrics.get returns Prometheus text', async () => {
    const text = await client.metrics.get();
    assert.equal(typeof text, 'string');
    assert.match(text, /^# (HELP|TYPE) /m);
  });

  test('openapi.get returns the same operations as the checked-in document', async () => {
    const served = await client.openapi.get();
    const ids = (d) =>
      operations(d)
        .map((o) => o.op.operationId)
        .sort();
    assert.deepEqual(ids(served), ids(readOpenApi()));
  });

  test('docs.get returns HTML', async () => {
    const html = await client.docs.get();
    assert.match(html, /<html/i);
  });

  test('configuration defaults come from ROSTER_BASE_URL and ROSTER_API_KEY', async () => {
    const saved = { url: process.env.ROSTER_BASE_URL, key: process.env.ROSTER_API_KEY };
    process.env.ROSTER_BASE_URL = `${server.baseUrl}/v1/`;
    process.env.ROSTER_API_KEY = server.apiKey;
    try {
      const fromEnv = new Roster();
      assert.equal(fromEnv.baseUrl, server.baseUrl);
      assert.equal(fromEnv.timeoutMs, 30000);
      assert.equal(fromEnv.maxRetries, 3);
      const page = await fromEnv.users.list({ limit: 1 });
      assert.ok(Array.isArray(page.data));
    } finally {
      if (saved.url === undefined) delete process.env.ROSTER_BASE_URL;
      else process.env.ROSTER_BASE_URL = saved.url;
      if (saved.key === undefined) delete process.env.ROSTER_API_KEY;
      else process.env.ROSTER_API_KEY = saved.key;
    }
  });
});
