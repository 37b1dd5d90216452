import { type APIPromise, type ClientCore, type RequestOptions, segment } from '../core.js';
import type { PagePromise } from '../pagination.js';
import type { CursorListParams, Zone, ZoneCreateParams, ZoneUpdateParams } from '../types.js';
import { ZoneProviders } from './providers.js';
import { ZoneRoles } from './roles.js';
import { APIResource, cursorList } from './shared.js';
import { ZoneUsers } from './users.js';

/**
 * `client.zones`: the organization's zones (tenants), and everything inside
 * one zone (`client.zones.users`, `.roles`, `.providers`), zone first. A zone
 * is addressed by its id (`zone_…`) or its identifier (`default`).
 */
export class Zones extends APIResource {
  readonly users: ZoneUsers;
  readonly roles: ZoneRoles;
  readonly providers: ZoneProviders;

  constructor(core: ClientCore) {
    super(core);
    this.users = new ZoneUsers(core);
    this.roles = new ZoneRoles(core);
    this.providers = new ZoneProviders(core);
  }

  /** Operation `zones.list`: the zones the key may see. */
  list(params?: CursorListParams, options?: RequestOptions): PagePromise<Zone, CursorListParams> {
    return cursorList<Zone>(this._core, '/v1/zones', params, options);
  }

  /** Operation `zones.create` (needs a key valid for every zone). */
  create(body: ZoneCreateParams, options?: RequestOptions): APIPromise<Zone> {
    return this._core.request<Zone>({ method: 'POST', path: '/v1/zones', body, auth: true, parse: 'json', options });
  }

  /** Operation `zones.retrieve`. */
  retrieve(zoneId: string, options?: RequestOptions): APIPromise<Zone> {
    return this._core.request<Zone>({ method: 'GET', path: `/v1/zones/${segment('zoneId', zoneId)}`, auth: true, parse: 'json', options });
  }

  /** Operation `zones.update` (a JSON merge patch). */
  update(zoneId: string, body: ZoneUpdateParams, options?: RequestOptions): APIPromise<Zone> {
    return this._core.request<Zone>({
      method: 'PATCH',
      path: `/v1/zones/${segment('zoneId', zoneId)}`,
      body,
      contentType: 'application/merge-patch+json',
      auth: true,
      parse: 'json',
      options,
    });
  }

  /** Operation `zones.delete`; a zone that still holds users answers 409 `zone_not_empty`. */
  delete(zoneId: string, options?: RequestOptions): APIPromise<void> {
    return this._core.request<void>({ method: 'DELETE', path: `/v1/zones/${segment('zoneId', zoneId)}`, auth: true, parse: 'none', options });
  }
}
