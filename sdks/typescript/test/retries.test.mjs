// Retries: 429 with Retry-After (a rate-limited server), 503, dropped
// connections on a create (the Idempotency-Key makes it one user), timeouts
// and connection errors.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';

import {
  APIConnectionError,
  APITimeoutError,
  APIUserAbortError,
  InternalServerError,
  RateLimitError,
  Roster,
} from '../dist/index.js';
import { freePort, startServer, unique } from '../test-helpers/server.mjs';

/**
 * A loopback HTTP proxy in front of the server. `decide(req, n)` picks what
 * happens to the n-th request (1-based): 'forward', 'drop-after-forward'
 * (the server handles it, the client's connection is cut before any
 * response), 'hang', or `{ status, headers, body }` to answer itself.
 */
async function startProxy(upstream, decide) {
  const seen = [];
  const hanging = new Set();
  const srv = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      seen.push({ method: req.method, url: req.url, headers: req.headers, body: body.toString() });
      const action = decide(req, seen.length);
      if (action === 'hang') {
        hanging.add(res);
        return;
      }
      if (typeof action === 'object') {
        res.writeHead(action.status, action.headers);
        res.end(action.body ?? '');
        return;
      }
      const target = new URL(req.url, upstream);
      const up = http.request(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (upRes) => {
        const out = [];
        upRes.on('data', (c) => out.push(c));
        upRes.on('end', () => {
          if (action === 'drop-after-forward') {
            req.socket.destroy();
            return;
          }
          res.writeHead(upRes.statusCode, upRes.headers);
          res.end(Buffer.concat(out));
        });
      });
      up.on('error', () => req.socket.destroy());
      up.end(body);
    });
  });
  const port = await freePort();
  await new Promise((resolve) => srv.listen(port, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise((resolve) => {
        for (const res of hanging) res.destroy();
        srv.closeAllConnections();
        srv.close(resolve);
      }),
  };
}

describe('rate limits (429)', () => {
  let server;
  before(async () => {
    server = await startServer({ ROSTER_RATE_LIMIT_PER_SECOND: '2', ROSTER_RATE_LIMIT_BURST: '2' });
  });
  after(() => server?.stop());

  test('a 429 is a RateLimitError with retryAfter; with retries the call succeeds after waiting', async () => {
    const noRetry = new Roster({ baseUrl: server.baseUrl, apiKey: server.apiKey, maxRetries: 0 });
    // Spend the burst until the server refuses.
    let limited;
    for (let i = 0; i < 10 && !limited; i++) {
      try {
        await noRetry.users.list({ limit: 1 });
      } catch (err) {
        limited = err;
      }
    }
    assert.ok(limited instanceof RateLimitError, `expected a RateLimitError, got ${limited}`);
    assert.equal(limited.status, 429);
    assert.equal(limited.code, 'rate_limited');
    assert.equal(typeof limited.retryAfter, 'number');
    assert.ok(limited.retryAfter >= 1, `Retry-After ${limited.retryAfter}`);
    assert.ok(limited.headers.get('ratelimit-limit'));

    // The bucket is empty now: this call gets a 429 first, waits Retry-After and succeeds.
    const client = new Roster({ baseUrl: server.baseUrl, apiKey: server.apiKey });
    const started = Date.now();
    const result = await client.users.create({ email: `${unique('rl')}@example.com` }).withResponse();
    const elapsed = Date.now() - started;
    assert.equal(result.status, 201);
    assert.ok(result.attempts >= 2, `expected a retry, made ${result.attempts} attempt(s)`);
    assert.ok(elapsed >= limited.retryAfter * 1000 - 50, `waited only ${elapsed} ms`);
    // The retried create made one user.
    await new Promise((r) => setTimeout(r, 1100));
    const page = await client.users.list({ email: result.data.email });
    assert.equal(page.totalCount, 1);
  });
});

describe('retries through a proxy', () => {
  let server;
  before(async () => {
    server = await startServer();
  });
  after(() => server?.stop());

  test('a create whose response is lost is retried with the same Idempotency-Key: one user', async () => {
    const proxy = await startProxy(server.baseUrl, (req, n) =>
      req.method === 'POST' && n === 1 ? 'drop-after-forward' : 'forward',
    );
    try {
      const client = new Roster({ baseUrl: proxy.baseUrl, apiKey: server.apiKey });
      const email = `${unique('lost')}@example.com`;
      const result = await client.users.create({ email, first_name: 'Lost' }).withResponse();
      assert.equal(result.status, 201);
      assert.equal(result.attempts, 2);
      assert.equal(result.idempotentReplayed, true);
      const posts = proxy.seen.filter((r) => r.method === 'POST');
      assert.equal(posts.length, 2);
      const key = posts[0].headers['idempotency-key'];
      assert.match(key, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.equal(posts[1].headers['idempotency-key'], key);

      const direct = new Roster({ baseUrl: server.baseUrl, apiKey: server.apiKey });
      const page = await direct.users.list({ email });
      assert.equal(page.totalCount, 1);
      assert.equal(page.data[0].id, result.data.id);
    } finally {
      await proxy.close();
    }
  });

  test('a POST the server does not deduplicate is not repeated after a lost response', async () => {
    const direct = new Roster({ baseUrl: server.baseUrl, apiKey: server.apiKey });
    const user = await direct.users.create({ email: `${unique('s')}@example.com` });
    const proxy = await startProxy(server.baseUrl, (req) => (req.method === 'POST' ? 'drop-after-forward' : 'forward'));
    try {
      const client = new Roster({ baseUrl: proxy.baseUrl, apiKey: server.apiKey });
      await assert.rejects(client.users.sessions.create(user.id, {}), APIConnectionError);
      assert.equal(proxy.seen.filter((r) => r.method === 'POST').length, 1);
      assert.equal((await direct.users.sessions.list(user.id)).totalCount, 1);
    } finally {
      await proxy.close();
    }
  });

  test('every POST carries an Idempotency-Key, a new one per call', async () => {
    const proxy = await startProxy(server.baseUrl, () => 'forward');
    try {
      const client = new Roster({ baseUrl: proxy.baseUrl, apiKey: server.apiKey });
      const user = await client.users.create({ email: `${unique('k')}@example.com` });
      await client.users.sessions.create(user.id, {});
      await client.zones.create({ identifier: unique('z') });
      const keys = proxy.seen.filter((r) => r.method === 'POST').map((r) => r.headers['idempotency-key']);
      assert.equal(keys.length, 3);
      assert.ok(keys.every(Boolean));
      assert.equal(new Set(keys).size, 3);
      assert.equal(proxy.seen.find((r) => r.method === 'POST').headers['authorization'], `Bearer ${server.apiKey}`);
    } finally {
      await proxy.close();
    }
  });

  test('503 is retried (Retry-After honoured), then succeeds', async () => {
    const proxy = await startProxy(server.baseUrl, (req, n) =>
      n <= 2
        ? {
            status: 503,
            headers: { 'content-type': 'application/problem+json', 'retry-after': '0' },
            body: JSON.stringify({ type: 'urn:roster:problem:unavailable', title: 'Unavailable', status: 503, detail: 'db down', code: 'unavailable' }),
          }
        : 'forward',
    );
    try {
      const client = new Roster({ baseUrl: proxy.baseUrl, apiKey: server.apiKey });
      const { data: user, attempts } = await client.users.create({ email: `${unique('u')}@example.com` }).withResponse();
      assert.match(user.id, /^user_/);
      assert.equal(attempts, 3);
      assert.equal(proxy.seen.length, 3);
      // A success is not retried.
      assert.equal((await client.health.check()).status, 'ok');
      assert.equal(proxy.seen.length, 4);
    } finally {
      await proxy.close();
    }
  });

  test('a 503 that persists ends as InternalServerError after maxRetries', async () => {
    const proxy = await startProxy(server.baseUrl, () => ({
      status: 503,
      headers: { 'content-type': 'application/problem+json', 'retry-after': '0' },
      body: JSON.stringify({ type: 'urn:roster:problem:unavailable', title: 'Unavailable', status: 503, detail: 'db down', code: 'unavailable' }),
    }));
    try {
      const client = new Roster({ baseUrl: proxy.baseUrl, apiKey: server.apiKey, maxRetries: 2 });
      await assert.rejects(client.users.list(), (err) => {
        assert.ok(err instanceof InternalServerError);
        assert.equal(err.status, 503);
        assert.equal(err.code, 'unavailable');
        return true;
      });
      assert.equal(proxy.seen.length, 3);
    } finally {
      await proxy.close();
    }
  });

  test('a stalled response is an APITimeoutError', async () => {
    const proxy = await startProxy(server.baseUrl, () => 'hang');
    try {
      const client = new Roster({ baseUrl: proxy.baseUrl, apiKey: server.apiKey, timeoutMs: 200, maxRetries: 1 });
      const started = Date.now();
      await assert.rejects(client.users.list(), APITimeoutError);
      assert.equal(proxy.seen.length, 2, 'a timeout is retried');
      assert.ok(Date.now() - started >= 400);
    } finally {
      await proxy.close();
    }
  });

  test('a caller abort stops the call with APIUserAbortError', async () => {
    const proxy = await startProxy(server.baseUrl, () => 'hang');
    try {
      const client = new Roster({ baseUrl: proxy.baseUrl, apiKey: server.apiKey });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      await assert.rejects(client.users.list({}, { signal: controller.signal }), APIUserAbortError);
    } finally {
      await proxy.close();
    }
  });

  test('a refused connection is an APIConnectionError after its retries', async () => {
    const port = await freePort();
    const client = new Roster({ baseUrl: `http://127.0.0.1:${port}`, apiKey: server.apiKey, maxRetries: 1 });
    const started = Date.now();
    await assert.rejects(client.users.get('user_01ARZ3NDEKTSV4RRFFQ69G5FAV'), (err) => {
      assert.ok(err instanceof APIConnectionError);
      assert.ok(!(err instanceof APITimeoutError));
      assert.equal(err.status, undefined);
      return true;
    });
    assert.ok(Date.now() - started >= 300, 'backoff before the retry');
    // A refused connection never reached the server: even a plain POST is retried.
    const postStarted = Date.now();
    await assert.rejects(client.zones.create({ identifier: 'never' }), APIConnectionError);
    assert.ok(Date.now() - postStarted >= 300, 'backoff before the retry');
  });
});
