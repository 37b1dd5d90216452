/**
 * Errors raised by the SDK.
 *
 * Every error the API answers is `application/problem+json` (RFC 9457); the
 * SDK turns it into a {@link RosterError} subclass chosen by HTTP status, with
 * the problem's fields (`code`, `param`, `detail`, `type`, `title`, `errors`)
 * copied onto it. Network failures are {@link APIConnectionError} and
 * timeouts {@link APITimeoutError}.
 */

/** One field error of a problem's `errors` array. */
export interface FieldError {
  param: string;
  detail: string;
}

/** The body of every error response (`application/problem+json`). */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** Stable machine-readable code, e.g. `invalid_parameter`, `conflict`. */
  code: string;
  /** The parameter or field at fault, as the client spelled it. */
  param?: string | null;
  errors?: FieldError[] | null;
}

export interface RosterErrorInit {
  status?: number | undefined;
  code?: string | undefined;
  param?: string | null | undefined;
  detail?: string | undefined;
  type?: string | undefined;
  title?: string | undefined;
  errors?: FieldError[] | null | undefined;
  headers?: Headers | undefined;
  requestId?: string | null | undefined;
  body?: unknown;
  cause?: unknown;
}

/** Base class of every error the SDK throws. */
export class RosterError extends Error {
  /** HTTP status; undefined for connection errors and timeouts. */
  readonly status: number | undefined;
  /** The problem's stable `code` (e.g. `not_found`, `conflict`). */
  readonly code: string | undefined;
  /** The parameter or field at fault, when the API named one. */
  readonly param: string | null | undefined;
  /** Human-readable explanation. */
  readonly detail: string | undefined;
  /** Problem type URI, `urn:roster:problem:<code>`. */
  readonly type: string | undefined;
  /** Short summary of the problem type. */
  readonly title: string | undefined;
  /** Per-field errors, when the API listed several. */
  readonly errors: FieldError[] | null | undefined;
  /** Response headers, when there was a response. */
  readonly headers: Headers | undefined;
  /** The `X-Request-Id` of the failed request, when there was a response. */
  readonly requestId: string | null | undefined;
  /** The parsed response body (the problem document or raw text). */
  readonly body: unknown;

  constructor(message: string, init: RosterErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.status = init.status;
    this.code = init.code;
    this.param = init.param;
    this.detail = init.detail;
    this.type = init.type;
    this.title = init.title;
    this.errors = init.errors;
    this.headers = init.headers;
    this.requestId = init.requestId;
    this.body = init.body;
  }
}

/** 400: a parameter or the body is invalid (`invalid_parameter`, `invalid_body`, `invalid_cursor`, …). */
export class BadRequestError extends RosterError {}
/** 401: missing, malformed, unknown or revoked API key. */
export class AuthenticationError extends RosterError {}
/** 403: the key lacks a scope the request needs (`insufficient_scope`). */
export class PermissionDeniedError extends RosterError {}
/** 404: no such resource, or one the key may not see. */
export class NotFoundError extends RosterError {}
/** 409: a uniqueness rule was broken (`param` names the field), `zone_not_empty`, `user_disabled`, … */
export class ConflictError extends RosterError {}
/** 412: `If-Match` did not match the current ETag. */
export class PreconditionFailedError extends RosterError {}
/** 422: e.g. an `Idempotency-Key` reused with another body. */
export class UnprocessableEntityError extends RosterError {}

/** 429: the key's rate limit is exhausted. */
export class RateLimitError extends RosterError {
  /** Seconds to wait before retrying, from `Retry-After` (undefined when absent). */
  readonly retryAfter: number | undefined;

  constructor(message: string, init: RosterErrorInit & { retryAfter?: number | undefined } = {}) {
    super(message, init);
    this.retryAfter = init.retryAfter;
  }
}

/** 5xx: the server failed or is unavailable (`unavailable`, `internal`). */
export class InternalServerError extends RosterError {}

/** The request never got a response: DNS, refused or reset connection, … */
export class APIConnectionError extends RosterError {
  constructor(message = 'Connection error.', init: RosterErrorInit = {}) {
    super(message, init);
  }
}

/** The request did not complete within `timeoutMs`. */
export class APITimeoutError extends APIConnectionError {
  constructor(message = 'Request timed out.', init: RosterErrorInit = {}) {
    super(message, init);
  }
}

/** The caller aborted the request through its own `AbortSignal`. */
export class APIUserAbortError extends RosterError {
  constructor(message = 'Request was aborted.', init: RosterErrorInit = {}) {
    super(message, init);
  }
}

/** Parses `Retry-After` (delta seconds or an HTTP date) into seconds. */
export function parseRetryAfter(value: string | null | undefined): number | undefined {
  if (value == null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, (date - Date.now()) / 1000);
}

/** Builds the error for an HTTP error response. */
export function errorFromResponse(status: number, body: unknown, headers: Headers): RosterError {
  const problem: Partial<Problem> =
    body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Partial<Problem>) : {};
  const text = typeof body === 'string' && body.length > 0 ? body : undefined;
  const detail = typeof problem.detail === 'string' ? problem.detail : text;
  const code = typeof problem.code === 'string' ? problem.code : undefined;
  const init: RosterErrorInit = {
    status,
    code,
    param: problem.param ?? undefined,
    detail,
    type: typeof problem.type === 'string' ? problem.type : undefined,
    title: typeof problem.title === 'string' ? problem.title : undefined,
    errors: problem.errors,
    headers,
    requestId: headers.get('x-request-id'),
    body,
  };
  let message = `${status}`;
  if (code) message += ` ${code}`;
  if (detail) message += `: ${detail}`;
  else if (init.title) message += `: ${init.title}`;
  if (init.param) message += ` (param: ${init.param})`;

  switch (status) {
    case 400:
      return new BadRequestError(message, init);
    case 401:
      return new AuthenticationError(message, init);
    case 403:
      return new PermissionDeniedError(message, init);
    case 404:
      return new NotFoundError(message, init);
    case 409:
      return new ConflictError(message, init);
    case 412:
      return new PreconditionFailedError(message, init);
    case 422:
      return new UnprocessableEntityError(message, init);
    case 429:
      return new RateLimitError(message, { ...init, retryAfter: parseRetryAfter(headers.get('retry-after')) });
    default:
      if (status >= 500) return new InternalServerError(message, init);
      return new RosterError(message, init);
  }
}
