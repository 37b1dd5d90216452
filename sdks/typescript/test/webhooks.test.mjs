// The change feed, webhook endpoints, batch and verifyWebhook against a live
// server and a real HTTP receiver; every delivery is also checked with the
// `standardwebhooks` package (an independent implementation of the scheme).
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, test } from 'node:test';

import { Webhook } from 'standardwebhooks';

import { Roster, WebhookVerificationError, verifyWebhook } from '../dist/index.js';
import { startServer } from '../test-helpers/server.mjs';

let server;
let client;
let receiver;
const received = [];

before(async () => {
  // The receiver listens on loopback, which webhooks may reach only so.
  server = await startServer({ ROSTER_WEBHOOK_ALLOW_PRIVATE_URLS: 'true' });
  client = new Roster({ baseUrl: server.baseUrl, apiKey: server.apiKey });
  receiver = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(204).end();
    });
  });
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
});
after(() => {
  receiver?.close();
  return server?.stop();
});

async function waitFor(n) {
  const deadline = Date.now() + 15_000;
  while (received.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.ok(received.length >= n, `${received.length} of ${n} deliveries came`);
}

test('deliveries are the feed\'s events, signed; the SDK and standardwebhooks both verify them', async () => {
  const url = `http://127.0.0.1:${receiver.address().port}/hook`;
  const endpoint = await client.webhookEndpoints.create({ url, event_types: ['user.*'] });
  assert.match(endpoint.secret, /^whsec_/);
  const batch = await client.users.batch({
    operations: [
      { op: 'create', body: { email: 'a@example.com' } },
      { op: 'create', body: { email: 'A@example.com' } },
    ],
  });
  assert.deepEqual(batch.results.map((r) => r.status), [201, 409]);
  assert.equal(batch.results[1].problem.param, 'operations[1].body.email');

  const events = [];
  for await (const e of client.events.list({ type: 'user.*', limit: 1 })) events.push(e);
  assert.deepEqual(events.map((e) => e.type), ['user.created']);

  await waitFor(1);
  const { headers, body } = received[0];
  const event = verifyWebhook(body, headers, endpoint.secret);
  assert.deepEqual(event, events[0]);
  new Webhook(endpoint.secret).verify(body.toString('utf8'), headers);
  const tampered = Buffer.from(body.toString('utf8').replace('a@example', 'b@example'));
  assert.throws(() => verifyWebhook(tampered, headers, endpoint.secret), WebhookVerificationError);
  const later = Number(headers['webhook-timestamp']) + 3600;
  assert.throws(() => verifyWebhook(body, headers, endpoint.secret, { now: later }), WebhookVerificationError);

  const log = await client.webhookEndpoints.deliveries.list(endpoint.id);
  assert.equal(log.data.length, 1);
  assert.equal(log.data[0].event_id, event.id);
  const retried = await client.webhookEndpoints.deliveries.retry(endpoint.id, log.data[0].id);
  assert.equal(retried.manual, true);
  const rotated = await client.webhookEndpoints.rotateSecret(endpoint.id);
  assert.notEqual(rotated.secret, endpoint.secret);
  await client.users.create({ email: 'c@example.com' });
  await waitFor(3);
  const last = received.at(-1);
  for (const secret of [endpoint.secret, rotated.secret]) {
    verifyWebhook(last.body, last.headers, secret);
    new Webhook(secret).verify(last.body.toString('utf8'), last.headers);
  }
  assert.equal((await client.webhookEndpoints.retrieve(endpoint.id)).secret, undefined);
  assert.equal((await client.webhookEndpoints.update(endpoint.id, { enabled: false })).enabled, false);
  await client.webhookEndpoints.delete(endpoint.id);
});
