/**
 * The HTTP core: URL and query building, retries with backoff, timeouts,
 * idempotency keys and response parsing.
 */
import {
  APIConnectionError,
  APITimeoutError,
  APIUserAbortError,
  RosterError,
  errorFromResponse,
  parseRetryAfter,
} from './errors.js';

export const VERSION = '0.1.0';

/** Options every call accepts as its last argument. */
export interface RequestOptions {
  /**
   * `Idempotency-Key` of a POST. By default every POST gets a fresh random
   * key, reused across that call's retries, so a retried create never makes
   * two resources. Pass your own to make a call replayable across processes.
   */
  idempotencyKey?: string;
  /** `If-Match`: the ETag the resource must still have (updates and deletes); `*` matches any. */
  ifMatch?: string;
  /** `If-None-Match`: an ETag; a retrieve whose resource still has it resolves to `null`. */
  ifNoneMatch?: string;
  /** Overrides the client's `timeoutMs` for this call (per attempt). */
  timeoutMs?: number;
  /** Overrides the client's `maxRetries` for this call. */
  maxRetries?: number;
  /** Aborts the call (and its retries); the call then rejects with `APIUserAbortError`. */
  signal?: AbortSignal;
  /** Extra request headers. */
  headers?: Record<string, string>;
}

export type QueryValue = string | number | boolean | Date | null | undefined;
export type Query = Array<[string, string]>;

/** What one call asks of the transport. */
export interface FinalRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  query?: Query | undefined;
  body?: unknown;
  /** Content type of the body; `application/json` by default. */
  contentType?: string;
  /** Whether to send `Authorization` (every `/v1` call). */
  auth: boolean;
  /** How to read a 2xx body. */
  parse: 'json' | 'text' | 'none';
  /** Resolve a 304 to `null` instead of failing. */
  allowNotModified?: boolean;
  /**
   * Whether repeating the request after an ambiguous failure (timeout, dropped
   * connection, 502, 504) cannot apply it twice. Defaults to true for GET,
   * PATCH and DELETE; a POST is idempotent only where the server deduplicates
   * it by `Idempotency-Key` (user creates).
   */
  idempotent?: boolean;
  options?: RequestOptions | undefined;
}

/** A response together with the parsed data. */
export interface APIResponse<T> {
  data: T;
  /** The raw fetch `Response` (its body already consumed). */
  response: Response;
  /** HTTP status of the final attempt. */
  status: number;
  /** The `ETag` header, for `ifMatch` / `ifNoneMatch`. */
  etag: string | null;
  /** The `X-Request-Id` header. */
  requestId: string | null;
  /** True when the server replayed a stored response for the `Idempotency-Key`. */
  idempotentReplayed: boolean;
  /** Attempts made (1 when no retry was needed). */
  attempts: number;
}

export interface ClientCoreOptions {
  baseUrl: string;
  apiKey: string | undefined;
  timeoutMs: number;
  maxRetries: number;
  fetch: typeof fetch;
  defaultHeaders: Record<string, string>;
}

/** The longest `Retry-After` honoured as given; longer ones fall back to backoff. */
const MAX_RETRY_AFTER_SECONDS = 60;
const INITIAL_RETRY_DELAY_MS = 500;
const MAX_RETRY_DELAY_MS = 8000;

/** A promise of one API call's result, with access to the raw response. */
export class APIPromise<T> implements PromiseLike<T> {
  readonly #raw: Promise<APIResponse<T>>;
  #data: Promise<T> | undefined;

  constructor(raw: Promise<APIResponse<T>>) {
    this.#raw = raw;
    // The request starts at once; a caller that never awaits the call must not
    // crash the process with an unhandled rejection.
    raw.catch(() => {});
  }

  /** The parsed data together with status, ETag, request id and the raw `Response`. */
  withResponse(): Promise<APIResponse<T>> {
    return this.#raw;
  }

  #parsed(): Promise<T> {
    this.#data ??= this.#raw.then((r) => r.data);
    return this.#data;
  }

  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.#parsed().then(onfulfilled, onrejected);
  }

  catch<R = never>(onrejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<T | R> {
    return this.#parsed().catch(onrejected);
  }

  finally(onfinally?: (() => void) | null): Promise<T> {
    return this.#parsed().finally(onfinally);
  }

  get [Symbol.toStringTag](): string {
    return 'APIPromise';
  }
}

/** Appends a query parameter, skipping undefined; Dates become RFC 3339. */
export function addQuery(query: Query, key: string, value: QueryValue): void {
  if (value === undefined) return;
  if (value instanceof Date) {
    query.push([key, value.toISOString()]);
  } else if (value === null) {
    query.push([key, 'null']);
  } else {
    query.push([key, String(value)]);
  }
}

/** Appends a comma list (`status=active,disabled`). */
export function addCommaList(query: Query, key: string, value: string | readonly string[] | undefined): void {
  if (value === undefined) return;
  query.push([key, typeof value === 'string' ? value : value.join(',')]);
}

/** Appends one `key=value` pair per item (`expand[]=a&expand[]=b`). */
export function addRepeated(query: Query, key: string, value: string | readonly string[] | undefined): void {
  if (value === undefined) return;
  for (const item of typeof value === 'string' ? [value] : value) query.push([key, item]);
}

/** `encodeURIComponent` for a path segment, refusing empty ids early. */
export function segment(name: string, value: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new RosterError(`Expected a non-empty string for ${name}, got ${JSON.stringify(value)}`);
  }
  return encodeURIComponent(value);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new APIUserAbortError());
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new APIUserAbortError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function randomUUID(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (c?.randomUUID) return c.randomUUID();
  // Fallback for runtimes without Web Crypto (not expected on Node 20+).
  return 'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, (ch) => {
    const r = (Math.random() * 16) | 0;
    return (ch === 'x' ? r : (r & 0x3) | 0x8).toString(16);
  });
}

/** Delay before retry number `retry` (0-based), honouring `Retry-After`. */
export function retryDelayMs(retry: number, headers: Headers | undefined): number {
  const retryAfter = parseRetryAfter(headers?.get('retry-after'));
  if (retryAfter !== undefined && retryAfter >= 0 && retryAfter <= MAX_RETRY_AFTER_SECONDS) {
    // Never earlier than the server asked; a little later spreads out clients.
    return Math.ceil(retryAfter * 1000 * (1 + Math.random() * 0.1));
  }
  const base = Math.min(INITIAL_RETRY_DELAY_MS * 2 ** retry, MAX_RETRY_DELAY_MS);
  return Math.round(base * (1 - Math.random() * 0.25));
}

/** Connection errors raised before the request could reach the server. */
const notSent = new WeakSet<APIConnectionError>();
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

function isRetryableStatus(status: number, body: unknown, idempotent: boolean): boolean {
  // 429 and 503 are refusals: the server did not apply the request.
  if (status === 429 || status === 503) return true;
  // A gateway failure may hide a request the server applied.
  if (status === 502 || status === 504) return idempotent;
  // The first attempt with this Idempotency-Key is still running on the server
  // (e.g. its connection dropped): wait and ask again to get its response.
  if (status === 409 && body !== null && typeof body === 'object') {
    return (body as { code?: unknown }).code === 'idempotency_key_in_use';
  }
  return false;
}

async function readBody(response: Response): Promise<unknown> {
  if (response.status === 204 || response.status === 304) {
    await response.body?.cancel();
    return undefined;
  }
  const text = await response.text();
  if (text.length === 0) return undefined;
  const type = response.headers.get('content-type') ?? '';
  if (/[/+]json\b/i.test(type)) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

/** Sends requests: shared by every resource of one client. */
export class ClientCore {
  readonly baseUrl: string;
  readonly apiKey: string | undefined;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  readonly #fetch: typeof fetch;
  readonly #defaultHeaders: Record<string, string>;

  constructor(opts: ClientCoreOptions) {
    this.baseUrl = opts.baseUrl;
    this.apiKey = opts.apiKey;
    this.timeoutMs = opts.timeoutMs;
    this.maxRetries = opts.maxRetries;
    this.#fetch = opts.fetch;
    this.#defaultHeaders = opts.defaultHeaders;
  }

  /** Starts a call and returns its promise. */
  request<T>(req: FinalRequest): APIPromise<T> {
    return new APIPromise<T>(this.#send<T>(req));
  }

  buildUrl(path: string, query: Query | undefined): string {
    let url = this.baseUrl + path;
    if (query && query.length > 0) url += '?' + new URLSearchParams(query).toString();
    return url;
  }

  async #send<T>(req: FinalRequest): Promise<APIResponse<T>> {
    const options = req.options ?? {};
    const maxRetries = Math.max(0, options.maxRetries ?? this.maxRetries);
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const url = this.buildUrl(req.path, req.query);
    const idempotent = req.idempotent ?? req.method !== 'POST';

    const headers: Record<string, string> = {
      Accept: 'application/json',
      'User-Agent': `roster-sdk-typescript/${VERSION}`,
      'X-API-Version': 'v1',
      ...this.#defaultHeaders,
    };
    if (req.auth) {
      if (!this.apiKey) {
        throw new RosterError(
          'No API key: pass `apiKey` to `new Roster({ apiKey })` or set the ROSTER_API_KEY environment variable.',
        );
      }
      headers['Authorization'] = `Bearer ${this.apiKey}`;
    }
    let body: string | undefined;
    if (req.body !== undefined) {
      body = JSON.stringify(req.body);
      headers['Content-Type'] = req.contentType ?? 'application/json';
    }
    if (req.method === 'POST') headers['Idempotency-Key'] = options.idempotencyKey ?? randomUUID();
    if (options.ifMatch !== undefined) headers['If-Match'] = options.ifMatch;
    if (options.ifNoneMatch !== undefined) headers['If-None-Match'] = options.ifNoneMatch;
    Object.assign(headers, options.headers);

    for (let attempt = 0; ; attempt++) {
      const canRetry = attempt < maxRetries;
      let response: Response;
      let parsed: unknown;
      try {
        ({ response, parsed } = await this.#attempt(url, req.method, headers, body, timeoutMs, options.signal));
      } catch (err) {
        // A request that may have reached the server is repeated only when
        // repeating it cannot apply it twice.
        if (err instanceof APIConnectionError && canRetry && (idempotent || notSent.has(err))) {
          await sleep(retryDelayMs(attempt, undefined), options.signal);
          continue;
        }
        throw err;
      }

      const status = response.status;
      if (status >= 200 && status < 300) {
        return this.#wrap<T>(response, req.parse === 'none' ? undefined : parsed, attempt + 1);
      }
      if (status === 304 && req.allowNotModified) {
        return this.#wrap<T>(response, null, attempt + 1);
      }
      if (canRetry && isRetryableStatus(status, parsed, idempotent)) {
        await sleep(retryDelayMs(attempt, response.headers), options.signal);
        continue;
      }
      throw errorFromResponse(status, parsed, response.headers);
    }
  }

  #wrap<T>(response: Response, data: unknown, attempts: number): APIResponse<T> {
    return {
      data: data as T,
      response,
      status: response.status,
      etag: response.headers.get('etag'),
      requestId: response.headers.get('x-request-id'),
      idempotentReplayed: response.headers.get('idempotent-replayed') === 'true',
      attempts,
    };
  }

  async #attempt(
    url: string,
    method: string,
    headers: Record<string, string>,
    body: string | undefined,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<{ response: Response; parsed: unknown }> {
    if (signal?.aborted) throw new APIUserAbortError();
    const controller = new AbortController();
    let timedOut = false;
    const timer =
      timeoutMs > 0 && Number.isFinite(timeoutMs)
        ? setTimeout(() => {
            timedOut = true;
            controller.abort();
          }, timeoutMs)
        : undefined;
    const onAbort = () => controller.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const init: RequestInit = { method, headers, signal: controller.signal };
      if (body !== undefined) init.body = body;
      const response = await this.#fetch(url, init);
      // The body is read under the same timeout: a stalled body is a timeout too.
      const parsed = await readBody(response);
      return { response, parsed };
    } catch (err) {
      if (err instanceof RosterError) throw err;
      if (timedOut) throw new APITimeoutError(`Request timed out after ${timeoutMs} ms: ${method} ${url}`, { cause: err });
      if (signal?.aborted) throw new APIUserAbortError(undefined, { cause: err });
      const reason = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
      const code = errorCode(err);
      const error = new APIConnectionError(`Connection error: ${method} ${url}: ${code ? `${code} ` : ''}${reason}`, {
        cause: err,
      });
      if (code !== undefined && NOT_SENT_CODES.has(code)) notSent.add(error);
      throw error;
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }
}
