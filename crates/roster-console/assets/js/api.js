// @ts-check
// The console's only way to the server: the public API, with the key the
// viewer pasted. The key lives in this tab's sessionStorage (gone when the
// tab closes, never in a cookie, a URL or a log) and is sent only as the
// Authorization header to this origin.

const STORAGE_KEY = 'roster.console.key';

/** @returns {string | null} */
export function apiKey() {
  return sessionStorage.getItem(STORAGE_KEY);
}

/** @param {string} key */
export function signIn(key) {
  sessionStorage.setItem(STORAGE_KEY, key);
}

/** Forgets the key and everything else this tab kept (the zone). */
export function signOut() {
  sessionStorage.clear();
}

/**
 * A problem+json answer (RFC 9457), or a network failure (status 0).
 */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {{code?: string, detail?: string, title?: string, param?: string}} problem
   */
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.code = problem.code || '';
    this.param = problem.param || null;
  }
}

/**
 * @typedef {{data: any, etag: string | null, status: number}} Answer
 * @typedef {{query?: URLSearchParams | Record<string, string> | [string, string][],
 *            body?: unknown, headers?: Record<string, string>, signal?: AbortSignal,
 *            contentType?: string}} Options
 */

/**
 * Calls the API. Throws ApiError for any non-2xx answer; a 401 also signs
 * the viewer out (the key was revoked or mistyped) and reloads the page.
 * @param {string} method
 * @param {string} path
 * @param {Options} [options]
 * @returns {Promise<Answer>}
 */
export async function call(method, path, options = {}) {
  const key = apiKey();
  const url = new URL(path, window.location.origin);
  if (options.query) url.search = new URLSearchParams(options.query).toString();
  /** @type {Record<string, string>} */
  const headers = { Accept: 'application/json', ...options.headers };
  if (key) headers.Authorization = `Bearer ${key}`;
  /** @type {RequestInit} */
  const init = { method, headers, signal: options.signal, cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer' };
  if (options.body !== undefined) {
    headers['Content-Type'] = options.contentType || 'application/json';
    init.body = JSON.stringify(options.body);
  }
  let response;
  for (let attempt = 0; ; attempt += 1) {
    try {
      response = await fetch(url, init);
    } catch (e) {
      if (e instanceof DOMException && e.name === 'AbortError') throw e;
      throw new ApiError(0, { detail: 'The server could not be reached.' });
    }
    // A read refused by the key's rate limit or read share is retried
    // after the wait the server names (a few times, a few seconds at most):
    // scrolling fast through a big table should slow down, not fail.
    if (response.status !== 429 || method !== 'GET' || attempt >= 3) break;
    const wait = Math.min(5, Number(response.headers.get('Retry-After')) || 1);
    await new Promise((resolve) => setTimeout(resolve, wait * 1000));
    if (options.signal?.aborted) throw new DOMException('aborted', 'AbortError');
  }
  const text = response.status === 204 || response.status === 304 ? '' : await response.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!response.ok) {
    const error = new ApiError(response.status, data && typeof data === 'object' ? data : {});
    // Several requests can fail with the revoked key at once: sign out once.
    if (response.status === 401 && key && key === apiKey() && !options.headers?.['X-Console-Probe']) {
      signOut();
      window.dispatchEvent(new CustomEvent('roster:signed-out', { detail: error.message }));
    }
    throw error;
  }
  return { data, etag: response.headers.get('ETag'), status: response.status };
}

/** @param {string} segment */
export function enc(segment) {
  return encodeURIComponent(segment);
}

/** The path of a zone's collection. @param {string} zone @param {string} rest */
export function zonePath(zone, rest) {
  // URL parsers resolve `..` (and `%2e%2e`) in a path: `/v1/zones/../users`
  // would be the key's default zone, not the one the page names.
  if (zone === '.' || zone === '..' || zone.toLowerCase().replaceAll('%2e', '.') === '..') {
    throw new ApiError(404, { detail: `There is no zone "${zone}".`, code: 'not_found' });
  }
  return `/v1/zones/${enc(zone)}/${rest}`;
}

/**
 * Every item of a cursor-paged list, at most `max` of them.
 * @param {string} path
 * @param {Record<string, string>} [query]
 * @param {number} [max]
 * @param {AbortSignal} [signal]
 */
export async function listAll(path, query = {}, max = 1000, signal) {
  /** @type {any[]} */
  const items = [];
  let after = null;
  for (;;) {
    /** @type {Record<string, string>} */
    const q = { ...query, limit: String(Math.min(1000, max - items.length)) };
    if (after) q.after = after;
    const { data } = await call('GET', path, { query: q, signal });
    items.push(...data.data);
    after = data.page_info && data.page_info.end_cursor;
    if (!data.page_info || !data.page_info.has_next_page || !after || items.length >= max) return items;
  }
}
