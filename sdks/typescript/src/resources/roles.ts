import { type APIPromise, type RequestOptions, segment } from '../core.js';
import type { PagePromise } from '../pagination.js';
import type { CursorListParams, Role, RoleCreateParams, RoleUpdateParams } from '../types.js';
import { APIResource, cursorList, scopePath } from './shared.js';

function rolePath(zone: string | undefined, role: string): string {
  return `${scopePath(zone)}/roles/${segment('roleId', role)}`;
}

/** `client.roles`: roles of the API key's default zone (`/v1/roles`). */
export class Roles extends APIResource {
  /** Operation `roles.list`. */
  list(params?: CursorListParams, options?: RequestOptions): PagePromise<Role, CursorListParams> {
    return cursorList<Role>(this._core, `${scopePath(undefined)}/roles`, params, options);
  }

  /** Operation `roles.create`. */
  create(body: RoleCreateParams, options?: RequestOptions): APIPromise<Role> {
    return this._core.request<Role>({ method: 'POST', path: `${scopePath(undefined)}/roles`, body, auth: true, parse: 'json', options });
  }

  /** Operation `roles.retrieve`; `roleId` is a role id or identifier. */
  retrieve(roleId: string, options?: RequestOptions): APIPromise<Role> {
    return this._core.request<Role>({ method: 'GET', path: rolePath(undefined, roleId), auth: true, parse: 'json', options });
  }

  /** Operation `roles.update`. */
  update(roleId: string, body: RoleUpdateParams, options?: RequestOptions): APIPromise<Role> {
    return this._core.request<Role>({ method: 'PATCH', path: rolePath(undefined, roleId), body, auth: true, parse: 'json', options });
  }

  /** Operation `roles.delete`; removes the role's assignments too. */
  delete(roleId: string, options?: RequestOptions): APIPromise<void> {
    return this._core.request<void>({ method: 'DELETE', path: rolePath(undefined, roleId), auth: true, parse: 'none', options });
  }
}

/** `client.zones.roles`: roles of one zone (`/v1/zones/{zone}/roles`), zone first. */
export class ZoneRoles extends APIResource {
  /** Operation `zones.roles.list`. */
  list(zoneId: string, params?: CursorListParams, options?: RequestOptions): PagePromise<Role, CursorListParams> {
    return cursorList<Role>(this._core, `${scopePath(zoneId)}/roles`, params, options);
  }

  /** Operation `zones.roles.create`. */
  create(zoneId: string, body: RoleCreateParams, options?: RequestOptions): APIPromise<Role> {
    return this._core.request<Role>({ method: 'POST', path: `${scopePath(zoneId)}/roles`, body, auth: true, parse: 'json', options });
  }

  /** Operation `zones.roles.retrieve`. */
  retrieve(zoneId: string, roleId: string, options?: RequestOptions): APIPromise<Role> {
    return this._core.request<Role>({ method: 'GET', path: rolePath(zoneId, roleId), auth: true, parse: 'json', options });
  }

  /** Operation `zones.roles.update`. */
  update(zoneId: string, roleId: string, body: RoleUpdateParams, options?: RequestOptions): APIPromise<Role> {
    return this._core.request<Role>({ method: 'PATCH', path: rolePath(zoneId, roleId), body, auth: true, parse: 'json', options });
  }

  /** Operation `zones.roles.delete`. */
  delete(zoneId: string, roleId: string, options?: RequestOptions): APIPromise<void> {
    return this._core.request<void>({ method: 'DELETE', path: rolePath(zoneId, roleId), auth: true, parse: 'none', options });
  }
}
