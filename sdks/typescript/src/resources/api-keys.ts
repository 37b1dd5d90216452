import { type APIPromise, type RequestOptions, segment } from '../core.js';
import type { PagePromise } from '../pagination.js';
import type { ApiKey, ApiKeyCreateParams, CursorListParams } from '../types.js';
import { APIResource, cursorList } from './shared.js';

/** `client.apiKeys`: `/v1/api-keys` (scope `keys:write`). */
export class ApiKeys extends APIResource {
  /** Operation `api_keys.list` (without secrets). */
  list(params?: CursorListParams, options?: RequestOptions): PagePromise<ApiKey, CursorListParams> {
    return cursorList<ApiKey>(this._core, '/v1/api-keys', params, options);
  }

  /** Operation `api_keys.create`; the secret is in `key`, shown only here. */
  create(body: ApiKeyCreateParams, options?: RequestOptions): APIPromise<ApiKey> {
    return this._core.request<ApiKey>({ method: 'POST', path: '/v1/api-keys', body, auth: true, parse: 'json', options });
  }

  /** Operation `api_keys.retrieve`: a key within the calling key's zones (without its secret). */
  retrieve(keyId: string, options?: RequestOptions): APIPromise<ApiKey> {
    return this._core.request<ApiKey>({ method: 'GET', path: `/v1/api-keys/${segment('keyId', keyId)}`, auth: true, parse: 'json', options });
  }

  /** Operation `api_keys.delete`: revokes the key at once. */
  delete(keyId: string, options?: RequestOptions): APIPromise<void> {
    return this._core.request<void>({ method: 'DELETE', path: `/v1/api-keys/${segment('keyId', keyId)}`, auth: true, parse: 'none', options });
  }
}
