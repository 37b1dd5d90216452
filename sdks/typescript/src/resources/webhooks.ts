import { type APIPromise, type RequestOptions, segment } from '../core.js';
import type { PagePromise } from '../pagination.js';
import type {
  CursorListParams,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookEndpointCreateParams,
  WebhookEndpointUpdateParams,
} from '../types.js';
import { APIResource, cursorList } from './shared.js';

const path = (id?: string) =>
  id === undefined ? '/v1/webhook-endpoints' : `/v1/webhook-endpoints/${segment('id', id)}`;

/** `client.webhookEndpoints.deliveries`: an endpoint's delivery attempts. */
export class WebhookDeliveries extends APIResource {
  /** Operation `webhook_endpoints.deliveries.list`, oldest first. */
  list(id: string, params?: CursorListParams, options?: RequestOptions): PagePromise<WebhookDelivery, CursorListParams> {
    return cursorList<WebhookDelivery>(this._core, `${path(id)}/deliveries`, params, options);
  }

  /** Operation `webhook_endpoints.deliveries.retry`: sends the event again now; resolves to the new attempt. */
  retry(id: string, delivery: string, options?: RequestOptions): APIPromise<WebhookDelivery> {
    return this._core.request<WebhookDelivery>({
      method: 'POST',
      path: `${path(id)}/deliveries/${segment('delivery', delivery)}/retry`,
      body: {},
      auth: true,
      parse: 'json',
      options,
    });
  }
}

/** `client.webhookEndpoints` (scope `webhooks:write`, a key valid for every zone). */
export class WebhookEndpoints extends APIResource {
  readonly deliveries: WebhookDeliveries;

  constructor(...args: ConstructorParameters<typeof APIResource>) {
    super(...args);
    this.deliveries = new WebhookDeliveries(...args);
  }

  /** Operation `webhook_endpoints.list` (without secrets). */
  list(params?: CursorListParams, options?: RequestOptions): PagePromise<WebhookEndpoint, CursorListParams> {
    return cursorList<WebhookEndpoint>(this._core, path(), params, options);
  }

  /** Operation `webhook_endpoints.create`; the `secret` is in the result, and only there. */
  create(body: WebhookEndpointCreateParams, options?: RequestOptions): APIPromise<WebhookEndpoint> {
    return this._core.request<WebhookEndpoint>({ method: 'POST', path: path(), body, auth: true, parse: 'json', options });
  }

  /** Operation `webhook_endpoints.retrieve`. */
  retrieve(id: string, options?: RequestOptions): APIPromise<WebhookEndpoint> {
    return this._core.request<WebhookEndpoint>({ method: 'GET', path: path(id), auth: true, parse: 'json', options });
  }

  /** Operation `webhook_endpoints.update`; `enabled: true` resumes a disabled endpoint where it stopped. */
  update(id: string, body: WebhookEndpointUpdateParams, options?: RequestOptions): APIPromise<WebhookEndpoint> {
    return this._core.request<WebhookEndpoint>({ method: 'PATCH', path: path(id), body, auth: true, parse: 'json', options });
  }

  /** Operation `webhook_endpoints.delete`. */
  delete(id: string, options?: RequestOptions): APIPromise<void> {
    return this._core.request<void>({ method: 'DELETE', path: path(id), auth: true, parse: 'none', options });
  }

  /** Operation `webhook_endpoints.rotate_secret`: the previous secret signs beside the new one for 24 hours. */
  rotateSecret(id: string, options?: RequestOptions): APIPromise<WebhookEndpoint> {
    return this._core.request<WebhookEndpoint>({
      method: 'POST',
      path: `${path(id)}/rotate-secret`,
      body: {},
      auth: true,
      parse: 'json',
      options,
    });
  }
}
