import { createHmac, timingSafeEqual } from 'node:crypto';

import { RosterError } from './errors.js';
import type { Event } from './types.js';

/** How far a delivery's `webhook-timestamp` may be from now, in seconds. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/** A delivery whose signature, timestamp or body does not hold up. */
export class WebhookVerificationError extends RosterError {}

type Headers = Record<string, string | string[] | undefined> | { get(name: string): string | null };

function header(headers: Headers, name: string): string {
  let value: string | string[] | null | undefined;
  if (typeof (headers as { get?: unknown }).get === 'function') {
    value = (headers as { get(name: string): string | null }).get(name);
  } else {
    const entries = Object.entries(headers as Record<string, string | string[] | undefined>);
    value = entries.find(([k]) => k.toLowerCase() === name)?.[1];
  }
  if (Array.isArray(value)) value = value[0];
  if (value == null) throw new WebhookVerificationError(`no ${name} header`);
  return value;
}

/**
 * Checks a webhook delivery and returns its event: one `v1` signature of
 * `webhook-signature` must be the HMAC-SHA256 of `"id.timestamp.body"` under
 * `secret` (`whsec_…`), compared in constant time, and `webhook-timestamp`
 * within five minutes of now. Pass the raw body, as received.
 */
export function verifyWebhook(
  payload: string | Uint8Array,
  headers: Headers,
  secret: string,
  options: { now?: number; toleranceSeconds?: number } = {},
): Event {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.from(payload);
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  const sent = Number(timestamp);
  if (!Number.isInteger(sent)) throw new WebhookVerificationError('webhook-timestamp is not a number');
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - sent) > (options.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS)) {
    throw new WebhookVerificationError('webhook-timestamp is too far from now');
  }
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key)
    .update(Buffer.concat([Buffer.from(`${id}.${timestamp}.`, 'utf8'), body]))
    .digest();
  const matches = signatures
    .split(' ')
    .filter((s) => s.startsWith('v1,'))
    .some((s) => {
      const given = Buffer.from(s.slice(3), 'base64');
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
  if (!matches) throw new WebhookVerificationError('no signature matches the secret');
  try {
    return JSON.parse(body.toString('utf8')) as Event;
  } catch (e) {
    throw new WebhookVerificationError(`the body is not an event: ${String(e)}`);
  }
}
