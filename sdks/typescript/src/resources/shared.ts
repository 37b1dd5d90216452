import { type ClientCore, type Query, type RequestOptions, addQuery, segment } from '../core.js';
import { PagePromise, type PageParams } from '../pagination.js';
import type { CursorListParams, ListResponse } from '../types.js';

/** Base of every resource: holds the transport. */
export abstract class APIResource {
  protected readonly _core: ClientCore;

  constructor(core: ClientCore) {
    this._core = core;
  }
}

/** `/v1` or `/v1/zones/{zone}`. */
export function scopePath(zone: string | undefined): string {
  return zone === undefined ? '/v1' : `/v1/zones/${segment('zoneId', zone)}`;
}

export function cursorQuery(params: CursorListParams | undefined): Query {
  const query: Query = [];
  if (params) {
    addQuery(query, 'after', params.after);
    addQuery(query, 'before', params.before);
    addQuery(query, 'limit', params.limit);
  }
  return query;
}

/** A cursor-paged list (`after`, `before`, `limit`). */
export function cursorList<T>(
  core: ClientCore,
  path: string,
  params: CursorListParams | undefined,
  options: RequestOptions | undefined,
): PagePromise<T, CursorListParams> {
  return new PagePromise<T, CursorListParams>(
    (p) =>
      core
        .request<ListResponse<T>>({ method: 'GET', path, query: cursorQuery(p), auth: true, parse: 'json', options })
        .withResponse(),
    { ...params },
  );
}

export type { PageParams };
