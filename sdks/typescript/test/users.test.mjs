// Users CRUD, ETags, idempotency keys and typed errors against a live server.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  AuthenticationError,
  BadRequestError,
  ConflictError,
  NotFoundError,
  PermissionDeniedError,
  PreconditionFailedError,
  Roster,
  RosterError,
  UnprocessableEntityError,
} from '../dist/index.js';
import { startServer, unique } from '../test-helpers/server.mjs';

let server;
let client;

before(async () => {
  server = await startServer();
  client = new Roster({ baseUrl: server.baseUrl, apiKey: server.apiKey });
});
after(() => server?.stop());

/** Asserts the promise rejects with `Class` and returns the error. */
async function rejectsWith(promise, Class, fields = {}) {
  let error;
  try {
    await promise;
  } catch (err) {
    error = err;
  }
  assert.ok(error, `expected ${Class.name}, but the call succeeded`);
  assert.ok(error instanceof Class, `expected ${Class.name}, got ${error?.name}: ${error?.message}`);
  assert.ok(error instanceof RosterError);
  for (const [k, v] of Object.entries(fields)) assert.equal(error[k], v, `error.${k}`);
  return error;
}

describe('users CRUD', () => {
  test('create, retrieve, get (seed 004), update, delete', async () => {
    const email = `${unique('jane')}@example.com`;
    const created = await client.users.create({
      email,
      first_name: 'Jane',
      last_name: 'Doe',
      attributes: { plan: 'pro' },
    });
    assert.match(created.id, /^user_[0-9A-HJKMNP-TV-Z]{26}$/);
    assert.equal(created.email, email);
    assert.equal(created.first_name, 'Jane');
    assert.equal(created.last_name, 'Doe');
    assert.equal(created.name, 'Jane Doe');
    assert.equal(created.user_type, 'saas_user');
    assert.equal(created.status, 'active');
    assert.equal(created.email_verified, false);
    assert.equal(created.identifier, created.id);
    assert.deepEqual(created.attributes, { plan: 'pro' });
    assert.match(created.created_at, /Z$/);
    assert.match(created.organization_id, /^org_/);
    assert.match(created.zone_id, /^zone_/);
    assert.match(created.created_by, /^key_/);

    const retrieved = await client.users.retrieve(created.id);
    assert.deepEqual(retrieved, created);

    // Seed 004: `const user = await client.users.get(id)`.
    const user = await client.users.get(created.id);
    assert.equal(user.id, created.id);
    assert.equal(user.email, email);

    const updated = await client.users.update(created.id, { status: 'inactive', attributes: { seats: 5 } });
    assert.equal(updated.status, 'inactive');
    assert.deepEqual(updated.attributes, { plan: 'pro', seats: 5 });
    assert.equal(updated.name, 'Jane Doe');

    const cleared = await client.users.update(created.id, { description: 'temp', attributes: { plan: null } });
    assert.equal(cleared.description, 'temp');
    assert.deepEqual(cleared.attributes, { seats: 5 });

    assert.equal(await client.users.delete(created.id), undefined);
    await rejectsWith(client.users.get(created.id), NotFoundError, { status: 404, code: 'not_found' });
    await rejectsWith(client.users.delete(created.id), NotFoundError, { status: 404 });
  });

  test('create accepts every writable field, Dates included', async () => {
    const at = new Date('2024-01-15T09:30:00Z');
    const u = await client.users.create({
      email: `${unique('full')}@example.com`,
      identifier: unique('ident'),
      email_verified: true,
      name: 'Display Name',
      description: 'described',
      user_type: 'saas_admin',
      status: 'onboarding',
      issuer: 'https://issuer.example.com',
      subject: unique('sub'),
      authenticated_at: at,
    });
    assert.equal(u.email_verified, true);
    assert.equal(u.name, 'Display Name');
    assert.equal(u.user_type, 'saas_admin');
    assert.equal(u.status, 'onboarding');
    assert.equal(u.issuer, 'https://issuer.example.com');
    assert.equal(Date.parse(u.authenticated_at), at.getTime());
  });

  test('ETags: ifNoneMatch on retrieve, ifMatch on update and delete', async () => {
    const { data: user, etag, status } = await client.users
      .create({ email: `${unique('etag')}@example.com` })
      .withResponse();
    assert.equal(status, 201);
    assert.ok(etag, 'create returns an ETag');

    // Not modified: resolves to null.
    assert.equal(await client.users.retrieve(user.id, { ifNoneMatch: etag }), null);
    const fresh = await client.users.retrieve(user.id, { ifNoneMatch: '"stale"' });
    assert.equal(fresh.id, user.id);

    const { etag: etag2 } = await client.users.update(user.id, { first_name: 'A' }, { ifMatch: etag }).withResponse();
    assert.notEqual(etag2, etag);

    const stale = await rejectsWith(
      client.users.update(user.id, { first_name: 'B' }, { ifMatch: etag }),
      PreconditionFailedError,
      { status: 412, code: 'precondition_failed' },
    );
    assert.match(stale.message, /412/);
    await rejectsWith(client.users.delete(user.id, { ifMatch: etag }), PreconditionFailedError);
    assert.equal((await client.users.get(user.id)).first_name, 'A');
    await client.users.delete(user.id, { ifMatch: etag2 });
    await rejectsWith(client.users.get(user.id), NotFoundError);
  });

  test('an explicit idempotencyKey replays the first create', async () => {
    const idempotencyKey = unique('idem');
    const body = { email: `${unique('idem')}@example.com` };
    const first = await client.users.create(body, { idempotencyKey }).withResponse();
    const second = await client.users.create(body, { idempotencyKey }).withResponse();
    assert.equal(first.status, 201);
    assert.equal(second.status, 201);
    assert.equal(second.data.id, first.data.id);
    assert.equal(first.idempotentReplayed, false);
    assert.equal(second.idempotentReplayed, true);
    const page = await client.users.list({ email: body.email });
    assert.equal(page.totalCount, 1);

    // The same key with another body: 422.
    await rejectsWith(
      client.users.create({ email: `${unique('other')}@example.com` }, { idempotencyKey }),
      UnprocessableEntityError,
      { status: 422, code: 'idempotency_key_reused' },
    );
  });

  test('two creates without a key are two requests (a fresh key each)', async () => {
    const email = `${unique('twice')}@example.com`;
    await client.users.create({ email });
    await rejectsWith(client.users.create({ email }), ConflictError, { status: 409, code: 'conflict', param: 'email' });
  });
});

describe('typed errors', () => {
  test('404 for an unknown or malformed id', async () => {
    await rejectsWith(client.users.retrieve('user_01ARZ3NDEKTSV4RRFFQ69G5FAV'), NotFoundError, {
      status: 404,
      code: 'not_found',
    });
    // Seed 004's example id is not a Roster id: a malformed id in a path is a 404.
    await rejectsWith(client.users.get('12345'), NotFoundError, { status: 404 });
  });

  test('409 conflict names the field', async () => {
    const identifier = unique('dup');
    await client.users.create({ email: `${unique('a')}@example.com`, identifier });
    const err = await rejectsWith(
      client.users.create({ email: `${unique('b')}@example.com`, identifier: identifier.toUpperCase() }),
      ConflictError,
      { status: 409, code: 'conflict', param: 'identifier' },
    );
    assert.equal(typeof err.detail, 'string');
    assert.match(err.type, /^urn:roster:problem:/);
    assert.equal(typeof err.title, 'string');
    assert.ok(err.requestId);
  });

  test('400 names the parameter or field', async () => {
    await rejectsWith(client.users.list({ limit: 0 }), BadRequestError, {
      status: 400,
      code: 'invalid_parameter',
      param: 'limit',
    });
    await rejectsWith(client.users.list({ pageSize: 101 }), BadRequestError, { param: 'page_size' });
    await rejectsWith(client.users.list({ sortBy: 'nope' }), BadRequestError, { param: 'sort_by' });
    await rejectsWith(client.users.list({ status: 'sleeping' }), BadRequestError, { param: 'status' });
    await rejectsWith(client.users.list({ after: 'garbled' }), BadRequestError, { code: 'invalid_cursor' });
    await rejectsWith(client.users.create({ email: 'not-an-email' }), BadRequestError, {
      code: 'invalid_body',
      param: 'email',
    });
    await rejectsWith(client.users.create({ email: `${unique('x')}@example.com`, nonsense: 1 }), BadRequestError, {
      status: 400,
    });
  });

  test('401 for a wrong key', async () => {
    const bad = new Roster({ baseUrl: server.baseUrl, apiKey: 'rk_wrong_0123456789abcdefghij' });
    const err = await rejectsWith(bad.users.list(), AuthenticationError, { status: 401, code: 'unauthorized' });
    assert.match(err.headers.get('www-authenticate') ?? '', /Bearer/);
  });

  test('403 for a key without the scope', async () => {
    const key = await client.apiKeys.create({ name: unique('ro'), scopes: ['users:read'] });
    assert.match(key.key, /^rk_live_/);
    const readOnly = new Roster({ baseUrl: server.baseUrl, apiKey: key.key });
    const page = await readOnly.users.list({ limit: 1 });
    assert.ok(Array.isArray(page.data));
    await rejectsWith(readOnly.users.create({ email: `${unique('ro')}@example.com` }), PermissionDeniedError, {
      status: 403,
      code: 'insufficient_scope',
    });
    // Filters on metadata need users:metadata.
    await rejectsWith(readOnly.users.list({ createdBy: key.id }), PermissionDeniedError, { status: 403 });
    // And metadata fields are omitted.
    const [u] = (await client.users.list({ limit: 1 })).data;
    if (u) assert.equal((await readOnly.users.get(u.id)).created_by, undefined);
  });
});
