import type { APIPromise, RequestOptions } from '../core.js';
import type { Health } from '../types.js';
import { APIResource } from './shared.js';

/** `client.health`: `/healthz` and `/readyz` (no key needed). */
export class HealthResource extends APIResource {
  /** Operation `health.check`: the process is up. */
  check(options?: RequestOptions): APIPromise<Health> {
    return this._core.request<Health>({ method: 'GET', path: '/healthz', auth: false, parse: 'json', options });
  }

  /** Operation `health.ready`: the database answers (503 `InternalServerError` when not). */
  ready(options?: RequestOptions): APIPromise<Health> {
    return this._core.request<Health>({ method: 'GET', path: '/readyz', auth: false, parse: 'json', options });
  }
}

/** `client.metrics`: `/metrics`. */
export class MetricsResource extends APIResource {
  /** Operation `metrics.get`: Prometheus text exposition. */
  get(options?: RequestOptions): APIPromise<string> {
    return this._core.request<string>({
      method: 'GET',
      path: '/metrics',
      auth: false,
      parse: 'text',
      options: { ...options, headers: { Accept: 'text/plain', ...options?.headers } },
    });
  }
}

/** `client.openapi`: `/openapi.json`. */
export class OpenAPIResource extends APIResource {
  /** Operation `openapi.get`: the OpenAPI 3.1 document. */
  get(options?: RequestOptions): APIPromise<Record<string, unknown>> {
    return this._core.request<Record<string, unknown>>({ method: 'GET', path: '/openapi.json', auth: false, parse: 'json', options });
  }
}

/** `client.docs`: `/docs`. */
export class DocsResource extends APIResource {
  /** Operation `docs.get`: the human docs page (HTML). */
  get(options?: RequestOptions): APIPromise<string> {
    return this._core.request<string>({
      method: 'GET',
      path: '/docs',
      auth: false,
      parse: 'text',
      options: { ...options, headers: { Accept: 'text/html', ...options?.headers } },
    });
  }
}
