import { type APIPromise, type ClientCore, type RequestOptions, segment } from '../core.js';
import type { PagePromise } from '../pagination.js';
import type {
  CursorListParams,
  Provider,
  ProviderCreateParams,
  ProviderUpdateParams,
  SignIn,
  SignInCreateParams,
} from '../types.js';
import { APIResource, cursorList, scopePath } from './shared.js';

function providerPath(zone: string | undefined, idp: string): string {
  return `${scopePath(zone)}/providers/${segment('providerId', idp)}`;
}

/** `client.providers.signIns`: `POST /v1/providers/{idp}/sign-ins`. */
export class ProviderSignIns extends APIResource {
  /**
   * Signs a subject in through the provider (operation `providers.sign_ins.create`):
   * finds the user by (`issuer`, `subject`) or creates it, and records a session.
   * `created` tells whether the user was created.
   */
  create(providerId: string, body: SignInCreateParams, options?: RequestOptions): APIPromise<SignIn> {
    return this._core.request<SignIn>({
      method: 'POST',
      path: `${providerPath(undefined, providerId)}/sign-ins`,
      body,
      auth: true,
      parse: 'json',
      options,
    });
  }
}

/** `client.providers`: identity providers of the API key's default zone (`/v1/providers`). */
export class Providers extends APIResource {
  readonly signIns: ProviderSignIns;

  constructor(core: ClientCore) {
    super(core);
    this.signIns = new ProviderSignIns(core);
  }

  /** Operation `providers.list`. */
  list(params?: CursorListParams, options?: RequestOptions): PagePromise<Provider, CursorListParams> {
    return cursorList<Provider>(this._core, `${scopePath(undefined)}/providers`, params, options);
  }

  /** Operation `providers.create`. */
  create(body: ProviderCreateParams, options?: RequestOptions): APIPromise<Provider> {
    return this._core.request<Provider>({ method: 'POST', path: `${scopePath(undefined)}/providers`, body, auth: true, parse: 'json', options });
  }

  /** Operation `providers.retrieve`; `providerId` is a provider id or identifier. */
  retrieve(providerId: string, options?: RequestOptions): APIPromise<Provider> {
    return this._core.request<Provider>({ method: 'GET', path: providerPath(undefined, providerId), auth: true, parse: 'json', options });
  }

  /** Operation `providers.update`. */
  update(providerId: string, body: ProviderUpdateParams, options?: RequestOptions): APIPromise<Provider> {
    return this._core.request<Provider>({ method: 'PATCH', path: providerPath(undefined, providerId), body, auth: true, parse: 'json', options });
  }

  /** Operation `providers.delete`; its users keep existing with `provider_id` null. */
  delete(providerId: string, options?: RequestOptions): APIPromise<void> {
    return this._core.request<void>({ method: 'DELETE', path: providerPath(undefined, providerId), auth: true, parse: 'none', options });
  }
}

/** `client.zones.providers.signIns`. */
export class ZoneProviderSignIns extends APIResource {
  /** Operation `zones.providers.sign_ins.create`. */
  create(zoneId: string, providerId: string, body: SignInCreateParams, options?: RequestOptions): APIPromise<SignIn> {
    return this._core.request<SignIn>({
      method: 'POST',
      path: `${providerPath(zoneId, providerId)}/sign-ins`,
      body,
      auth: true,
      parse: 'json',
      options,
    });
  }
}

/** `client.zones.providers`: identity providers of one zone, zone first. */
export class ZoneProviders extends APIResource {
  readonly signIns: ZoneProviderSignIns;

  constructor(core: ClientCore) {
    super(core);
    this.signIns = new ZoneProviderSignIns(core);
  }

  /** Operation `zones.providers.list`. */
  list(zoneId: string, params?: CursorListParams, options?: RequestOptions): PagePromise<Provider, CursorListParams> {
    return cursorList<Provider>(this._core, `${scopePath(zoneId)}/providers`, params, options);
  }

  /** Operation `zones.providers.create`. */
  create(zoneId: string, body: ProviderCreateParams, options?: RequestOptions): APIPromise<Provider> {
    return this._core.request<Provider>({ method: 'POST', path: `${scopePath(zoneId)}/providers`, body, auth: true, parse: 'json', options });
  }

  /** Operation `zones.providers.retrieve`. */
  retrieve(zoneId: string, providerId: string, options?: RequestOptions): APIPromise<Provider> {
    return this._core.request<Provider>({ method: 'GET', path: providerPath(zoneId, providerId), auth: true, parse: 'json', options });
  }

  /** Operation `zones.providers.update`. */
  update(zoneId: string, providerId: string, body: ProviderUpdateParams, options?: RequestOptions): APIPromise<Provider> {
    return this._core.request<Provider>({ method: 'PATCH', path: providerPath(zoneId, providerId), body, auth: true, parse: 'json', options });
  }

  /** Operation `zones.providers.delete`. */
  delete(zoneId: string, providerId: string, options?: RequestOptions): APIPromise<void> {
    return this._core.request<void>({ method: 'DELETE', path: providerPath(zoneId, providerId), auth: true, parse: 'none', options });
  }
}
