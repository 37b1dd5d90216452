import { ClientCore } from './core.js';
import { RosterError } from './errors.js';
import { ApiKeys } from './resources/api-keys.js';
import { DocsResource, HealthResource, MetricsResource, OpenAPIResource } from './resources/operations.js';
import { Providers } from './resources/providers.js';
import { Roles } from './resources/roles.js';
import { Users } from './resources/users.js';
import { Events } from './resources/events.js';
import { WebhookEndpoints } from './resources/webhooks.js';
import { Zones } from './resources/zones.js';

export interface ClientOptions {
  /**
   * The server's root URL, e.g. `http://127.0.0.1:8080` (a trailing `/v1` is
   * dropped). Defaults to `process.env.ROSTER_BASE_URL`, else
   * `http://127.0.0.1:8080`.
   */
  baseUrl?: string | undefined;
  /** The API key. Defaults to `process.env.ROSTER_API_KEY`. */
  apiKey?: string | undefined;
  /** Timeout of one attempt in milliseconds (default 30000). */
  timeoutMs?: number | undefined;
  /**
   * Retries on 429 (after `Retry-After`) and 503; on connection errors,
   * timeouts, 502 and 504 for calls that are safe to repeat (GET, PATCH,
   * DELETE, user creates); with exponential backoff and jitter (default 3).
   */
  maxRetries?: number | undefined;
  /** A `fetch` implementation (default: the global `fetch`). */
  fetch?: typeof fetch | undefined;
  /** Headers sent with every request. */
  defaultHeaders?: Record<string, string> | undefined;
}

export const DEFAULT_BASE_URL = 'http://127.0.0.1:8080';
export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_RETRIES = 3;

function env(name: string): string | undefined {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  const value = proc?.env?.[name];
  return value === undefined || value === '' ? undefined : value;
}

function normalizeBaseUrl(url: string): string {
  let out = url.trim().replace(/\/+$/, '');
  if (out.endsWith('/v1')) out = out.slice(0, -3);
  return out;
}

/**
 * The Roster client. Resources mirror the OpenAPI operation ids: operation
 * `users.role_assignments.create` is `client.users.roleAssignments.create(…)`.
 *
 * ```ts
 * const client = new Roster({ baseUrl: 'http://127.0.0.1:8080', apiKey: process.env.ROSTER_API_KEY });
 * const user = await client.users.get('user_01…');
 * for await (const u of client.users.list({ status: 'active' })) console.log(u.email);
 * ```
 */
export class Roster {
  /** Users of the key's default zone, with their role assignments, sessions and grants. */
  readonly users: Users;
  /** Zones, and users, roles and providers of any zone (zone first). */
  readonly zones: Zones;
  /** Roles of the key's default zone. */
  readonly roles: Roles;
  /** Identity providers of the key's default zone, and sign-ins through them. */
  readonly providers: Providers;
  /** API keys of the organization. */
  readonly apiKeys: ApiKeys;
  /** `/v1/events`: the change feed. */
  readonly events: Events;
  /** `/v1/webhook-endpoints`. */
  readonly webhookEndpoints: WebhookEndpoints;
  /** `/healthz` and `/readyz`. */
  readonly health: HealthResource;
  /** `/metrics`. */
  readonly metrics: MetricsResource;
  /** `/openapi.json`. */
  readonly openapi: OpenAPIResource;
  /** `/docs`. */
  readonly docs: DocsResource;

  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  readonly #core: ClientCore;

  constructor(options: ClientOptions = {}) {
    const baseUrl = normalizeBaseUrl(options.baseUrl ?? env('ROSTER_BASE_URL') ?? DEFAULT_BASE_URL);
    const apiKey = options.apiKey ?? env('ROSTER_API_KEY');
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
      throw new RosterError(`timeoutMs must be a non-negative number, got ${timeoutMs}`);
    }
    if (!Number.isInteger(maxRetries) || maxRetries < 0) {
      throw new RosterError(`maxRetries must be a non-negative integer, got ${maxRetries}`);
    }
    const fetchImpl = options.fetch ?? (globalThis.fetch as typeof fetch | undefined);
    if (typeof fetchImpl !== 'function') {
      throw new RosterError('No global fetch: use Node 20+ or pass `fetch` to `new Roster({ fetch })`.');
    }
    this.baseUrl = baseUrl;
    this.timeoutMs = timeoutMs;
    this.maxRetries = maxRetries;
    this.#core = new ClientCore({
      baseUrl,
      apiKey,
      timeoutMs,
      maxRetries,
      fetch: fetchImpl,
      defaultHeaders: { ...options.defaultHeaders },
    });
    this.users = new Users(this.#core);
    this.zones = new Zones(this.#core);
    this.roles = new Roles(this.#core);
    this.providers = new Providers(this.#core);
    this.apiKeys = new ApiKeys(this.#core);
    this.events = new Events(this.#core);
    this.webhookEndpoints = new WebhookEndpoints(this.#core);
    this.health = new HealthResource(this.#core);
    this.metrics = new MetricsResource(this.#core);
    this.openapi = new OpenAPIResource(this.#core);
    this.docs = new DocsResource(this.#core);
  }

  /** A copy of this client with some options changed. */
  withOptions(options: ClientOptions): Roster {
    return new Roster({
      baseUrl: this.baseUrl,
      apiKey: this.#core.apiKey,
      timeoutMs: this.timeoutMs,
      maxRetries: this.maxRetries,
      ...options,
    });
  }
}
