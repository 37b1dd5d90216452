// Zones and everything zone-scoped, roles, role assignments, sessions,
// grants, providers, sign-ins and API keys against a live server.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  AuthenticationError,
  BadRequestError,
  ConflictError,
  NotFoundError,
  Roster,
} from '../dist/index.js';
import { startServer, unique } from '../test-helpers/server.mjs';

let server;
let client;

before(async () => {
  server = await startServer();
  client = new Roster({ baseUrl: server.baseUrl, apiKey: server.apiKey });
});
after(() => server?.stop());

describe('zones', () => {
  test('CRUD and zone-scoped users (seed 003: client.zones.users.list(zoneId))', async () => {
    const zone = await client.zones.create({ identifier: 'eu-west', name: 'EU West' });
    assert.match(zone.id, /^zone_/);
    assert.equal(zone.identifier, 'eu-west');
    assert.equal(zone.name, 'EU West');
    assert.deepEqual(await client.zones.retrieve('eu-west'), zone);
    assert.deepEqual(await client.zones.retrieve(zone.id), zone);

    const zones = await client.zones.list();
    assert.deepEqual(zones.data.map((z) => z.identifier).sort(), ['default', 'eu-west']);
    const renamed = await client.zones.update(zone.id, { name: 'Europe' });
    assert.equal(renamed.name, 'Europe');

    const alice = await client.zones.users.create(zone.id, { email: 'alice@example.com', first_name: 'Alice' });
    const bob = await client.zones.users.create('eu-west', { email: 'bob@example.com' });
    assert.equal(alice.zone_id, zone.id);

    // Seed 003: zones.users.list(zone_id).
    const page = await client.zones.users.list(zone.id);
    assert.deepEqual(page.data.map((u) => u.email), ['alice@example.com', 'bob@example.com']);
    assert.equal(page.totalCount, 2);
    const filtered = await client.zones.users.list('eu-west', { search: 'ali' });
    assert.deepEqual(filtered.data.map((u) => u.id), [alice.id]);
    const walked = [];
    for await (const u of client.zones.users.list(zone.id, { limit: 1 })) walked.push(u.id);
    assert.deepEqual(walked, [alice.id, bob.id]);

    // The same email may exist in another zone; the default zone does not see these users.
    await client.users.create({ email: 'alice@example.com' });
    await assert.rejects(client.users.get(alice.id), NotFoundError);

    const got = await client.zones.users.retrieve(zone.id, alice.id);
    assert.equal(got.first_name, 'Alice');
    assert.equal((await client.zones.users.get('eu-west', alice.id)).id, alice.id);
    const { etag } = await client.zones.users.retrieve(zone.id, alice.id).withResponse();
    assert.equal(await client.zones.users.retrieve(zone.id, alice.id, { ifNoneMatch: etag }), null);
    const updated = await client.zones.users.update(zone.id, alice.id, { last_name: 'Liddell' }, { ifMatch: etag });
    assert.equal(updated.last_name, 'Liddell');

    const notEmpty = await assert.rejects(client.zones.delete(zone.id), (err) => {
      assert.ok(err instanceof ConflictError);
      assert.equal(err.code, 'zone_not_empty');
      return true;
    });
    assert.equal(notEmpty, undefined);

    await client.zones.users.delete(zone.id, alice.id);
    await client.zones.users.delete(zone.id, bob.id);
    await client.zones.delete('eu-west');
    await assert.rejects(client.zones.retrieve(zone.id), NotFoundError);
    await assert.rejects(client.zones.users.list(zone.id), NotFoundError);
  });

  test('zone conflicts and bad identifiers', async () => {
    await client.zones.create({ identifier: 'dup-zone' });
    await assert.rejects(client.zones.create({ identifier: 'dup-zone' }), (err) => {
      assert.ok(err instanceof ConflictError);
      assert.equal(err.param, 'identifier');
      return true;
    });
    await assert.rejects(client.zones.create({ identifier: 'Not A Slug' }), BadRequestError);
  });
});

describe('roles and role assignments', () => {
  test('roles.* in the default zone and zones.roles.*', async () => {
    const role = await client.roles.create({ identifier: 'admin', description: 'Admins' });
    assert.match(role.id, /^role_/);
    assert.equal(role.name, 'admin');
    assert.deepEqual(await client.roles.retrieve(role.id), role);
    const renamed = await client.roles.update('admin', { name: 'Administrators' });
    assert.equal(renamed.name, 'Administrators');
    assert.ok((await client.roles.list()).data.some((r) => r.id === role.id));
    await assert.rejects(client.roles.create({ identifier: 'admin' }), ConflictError);

    const zone = await client.zones.create({ identifier: unique('roles-') });
    const zr = await client.zones.roles.create(zone.id, { identifier: 'viewer', name: 'Viewer' });
    assert.equal((await client.zones.roles.retrieve(zone.identifier, 'viewer')).id, zr.id);
    assert.equal((await client.zones.roles.update(zone.id, zr.id, { description: 'Read only' })).description, 'Read only');
    assert.deepEqual((await client.zones.roles.list(zone.id)).data.map((r) => r.id), [zr.id]);
    await client.zones.roles.delete(zone.id, zr.id);
    await assert.rejects(client.zones.roles.retrieve(zone.id, zr.id), NotFoundError);
    await client.roles.delete(role.id);
    await assert.rejects(client.roles.retrieve(role.id), NotFoundError);
  });

  test('users.roleAssignments and zones.users.roleAssignments', async () => {
    const role = await client.roles.create({ identifier: unique('editor') });
    const user = await client.users.create({ email: `${unique('ra')}@example.com` });
    const ra = await client.users.roleAssignments.create(user.id, {
      role_id: role.id,
      scope: { type: 'zone', id: user.zone_id },
    });
    assert.match(ra.id, /^ra_/);
    assert.equal(ra.role_id, role.id);
    assert.equal(ra.role_identifier, role.identifier);
    assert.deepEqual(ra.scope, { type: 'zone', id: user.zone_id });
    await assert.rejects(
      client.users.roleAssignments.create(user.id, { role_id: role.id, scope: { type: 'zone', id: user.zone_id } }),
      ConflictError,
    );
    await assert.rejects(client.users.roleAssignments.create(user.id, { role_identifier: 'missing-role' }), (err) => {
      assert.ok(err instanceof BadRequestError);
      assert.ok(err.param);
      return true;
    });
    const list = await client.users.roleAssignments.list(user.id);
    assert.deepEqual(list.data.map((a) => a.id), [ra.id]);
    assert.deepEqual(await client.users.roleAssignments.retrieve(user.id, ra.id), ra);
    await client.users.roleAssignments.delete(user.id, ra.id);
    assert.equal((await client.users.roleAssignments.list(user.id)).totalCount, 0);

    const zone = await client.zones.create({ identifier: unique('ra-') });
    const zrole = await client.zones.roles.create(zone.id, { identifier: 'member' });
    const zuser = await client.zones.users.create(zone.id, { email: 'member@example.com' });
    const zra = await client.zones.users.roleAssignments.create(zone.id, zuser.id, { role_identifier: 'member' });
    assert.equal(zra.role_id, zrole.id);
    assert.deepEqual(
      (await client.zones.users.roleAssignments.list(zone.id, zuser.id)).data.map((a) => a.id),
      [zra.id],
    );
    const byRole = await client.zones.users.list(zone.id, { role: 'member', expand: ['role_assignments'] });
    assert.deepEqual(byRole.data.map((u) => u.id), [zuser.id]);
    assert.equal(byRole.data[0].role_assignments[0].role_identifier, 'member');
    assert.equal((await client.zones.users.roleAssignments.retrieve(zone.id, zuser.id, zra.id)).id, zra.id);
    await client.zones.users.roleAssignments.delete(zone.id, zuser.id, zra.id);
    assert.equal((await client.zones.users.roleAssignments.list(zone.id, zuser.id)).totalCount, 0);
  });
});

describe('sessions and grants', () => {
  test('users.sessions and users.grants', async () => {
    const user = await client.users.create({ email: `${unique('sess')}@example.com` });
    const session = await client.users.sessions.create(user.id, { expires_at: new Date(Date.now() + 3600_000) });
    assert.match(session.id, /^sess_/);
    assert.equal(session.user_id, user.id);
    assert.equal(session.status, 'active');
    assert.ok((await client.users.get(user.id)).authenticated_at);
    assert.equal((await client.users.get(user.id, { expand: ['session_count'] })).session_count, 1);
    assert.deepEqual((await client.users.sessions.list(user.id)).data.map((s) => s.id), [session.id]);
    assert.deepEqual(await client.users.sessions.retrieve(user.id, session.id), session);
    await client.users.sessions.delete(user.id, session.id);
    assert.equal((await client.users.sessions.list(user.id)).data[0].status, 'revoked');
    assert.equal((await client.users.sessions.retrieve(user.id, session.id)).status, 'revoked');
    assert.equal((await client.users.get(user.id, { expand: ['session_count'] })).session_count, 0);
    await assert.rejects(client.users.sessions.create(user.id, { expires_at: '2000-01-01T00:00:00Z' }), BadRequestError);

    const grant = await client.users.grants.create(user.id, {
      client_id: 'my-app',
      resource: 'https://api.example.com',
      scopes: ['read', 'write'],
    });
    assert.match(grant.id, /^grant_/);
    assert.deepEqual(grant.scopes, ['read', 'write']);
    assert.equal((await client.users.get(user.id, { expand: ['grant_count'] })).grant_count, 1);
    assert.deepEqual((await client.users.grants.list(user.id)).data.map((g) => g.id), [grant.id]);
    assert.deepEqual(await client.users.grants.retrieve(user.id, grant.id), grant);
    await client.users.grants.delete(user.id, grant.id);
    assert.equal((await client.users.get(user.id, { expand: ['grant_count'] })).grant_count, 0);

    await client.users.update(user.id, { status: 'disabled' });
    await assert.rejects(client.users.sessions.create(user.id), (err) => {
      assert.ok(err instanceof ConflictError);
      assert.equal(err.code, 'user_disabled');
      return true;
    });
  });

  test('zones.users.sessions and zones.users.grants', async () => {
    const zone = await client.zones.create({ identifier: unique('sg-') });
    const user = await client.zones.users.create(zone.id, { email: 'z@example.com' });
    const session = await client.zones.users.sessions.create(zone.id, user.id);
    assert.deepEqual((await client.zones.users.sessions.list(zone.id, user.id)).data.map((s) => s.id), [session.id]);
    assert.equal((await client.zones.users.sessions.retrieve(zone.id, user.id, session.id)).id, session.id);
    await client.zones.users.sessions.delete(zone.id, user.id, session.id);
    const grant = await client.zones.users.grants.create(zone.identifier, user.id, {
      client_id: 'c',
      resource: 'r',
      scopes: ['read'],
    });
    assert.deepEqual((await client.zones.users.grants.list(zone.id, user.id)).data.map((g) => g.id), [grant.id]);
    assert.equal((await client.zones.users.grants.retrieve(zone.id, user.id, grant.id)).id, grant.id);
    await client.zones.users.grants.delete(zone.id, user.id, grant.id);
    assert.equal((await client.zones.users.grants.list(zone.id, user.id)).data[0].status, 'revoked');
  });
});

describe('providers and sign-ins', () => {
  test('providers.* and providers.signIns.create', async () => {
    const idp = await client.providers.create({
      identifier: 'okta',
      issuer: 'https://example.okta.com',
      user_identifier_claim: 'preferred_username',
    });
    assert.match(idp.id, /^idp_/);
    assert.deepEqual(await client.providers.retrieve(idp.id), idp);
    assert.equal((await client.providers.update(idp.id, { issuer: 'https://login.example.com' })).issuer, 'https://login.example.com');
    assert.deepEqual((await client.providers.list()).data.map((p) => p.id), [idp.id]);

    const { data: first, status } = await client.providers.signIns
      .create(idp.id, {
        subject: 'okta|123',
        claims: { email: 'sso@example.com', given_name: 'Sso', preferred_username: 'sso-user' },
      })
      .withResponse();
    assert.equal(status, 201);
    assert.equal(first.created, true);
    assert.equal(first.user.email, 'sso@example.com');
    assert.equal(first.user.identifier, 'sso-user');
    assert.equal(first.user.provider_id, idp.id);
    assert.equal(first.user.subject, 'okta|123');
    assert.match(first.session.id, /^sess_/);

    const again = await client.providers.signIns.create(idp.id, { subject: 'okta|123', claims: {} });
    assert.equal(again.created, false);
    assert.equal(again.user.id, first.user.id);

    await assert.rejects(client.providers.signIns.create(idp.id, { subject: 'okta|new', claims: {} }), (err) => {
      assert.ok(err instanceof BadRequestError);
      assert.equal(err.param, 'claims.email');
      return true;
    });

    const byProvider = await client.users.list({ providerId: idp.id, expand: ['session_count'] });
    assert.deepEqual(byProvider.data.map((u) => u.id), [first.user.id]);
    assert.equal(byProvider.data[0].session_count, 2);

    await client.providers.delete(idp.id);
    await assert.rejects(client.providers.retrieve(idp.id), NotFoundError);
    assert.equal((await client.users.get(first.user.id)).provider_id, null);
  });

  test('zones.providers.* and zones.providers.signIns.create', async () => {
    const zone = await client.zones.create({ identifier: unique('idp-') });
    const idp = await client.zones.providers.create(zone.id, { identifier: 'google', issuer: 'https://accounts.google.com' });
    assert.equal((await client.zones.providers.retrieve(zone.identifier, idp.id)).identifier, 'google');
    assert.equal((await client.zones.providers.update(zone.id, idp.id, { identifier: 'gsuite' })).identifier, 'gsuite');
    assert.deepEqual((await client.zones.providers.list(zone.id)).data.map((p) => p.id), [idp.id]);
    const signIn = await client.zones.providers.signIns.create(zone.id, idp.id, {
      subject: 'g-1',
      claims: { email: 'g@example.com' },
    });
    assert.equal(signIn.created, true);
    assert.equal(signIn.user.zone_id, zone.id);
    await client.zones.providers.delete(zone.id, idp.id);
    await assert.rejects(client.zones.providers.retrieve(zone.id, idp.id), NotFoundError);
  });
});

describe('api keys', () => {
  test('apiKeys.create, list, delete; a revoked key fails at once', async () => {
    const zone = await client.zones.create({ identifier: unique('keys-') });
    const key = await client.apiKeys.create({
      name: 'ci',
      scopes: ['users:read', 'users:write'],
      zones: [zone.identifier],
    });
    assert.match(key.id, /^key_/);
    assert.match(key.key, /^rk_live_[0-9A-Za-z]{32}$/);
    assert.deepEqual(key.zones, [zone.id]);
    assert.equal(key.default_zone_id, zone.id);

    const listed = await client.apiKeys.list();
    const mine = listed.data.find((k) => k.id === key.id);
    assert.ok(mine);
    assert.ok(!mine.key, 'the list carries no secrets');
    const fetched = await client.apiKeys.retrieve(key.id);
    assert.deepEqual(fetched, mine);

    const scoped = new Roster({ baseUrl: server.baseUrl, apiKey: key.key });
    // Its default zone is the zone it is limited to.
    const u = await scoped.users.create({ email: 'scoped@example.com' });
    assert.equal(u.zone_id, zone.id);
    await assert.rejects(scoped.zones.users.list('default'), NotFoundError);

    await client.apiKeys.delete(key.id);
    await assert.rejects(scoped.users.list(), AuthenticationError);
    await assert.rejects(client.apiKeys.retrieve(key.id), NotFoundError);
    await assert.rejects(client.apiKeys.create({ name: 'bad', scopes: ['nope'] }), BadRequestError);
  });
});
