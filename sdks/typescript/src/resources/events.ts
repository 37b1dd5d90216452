import { type Query, type RequestOptions, addCommaList, addQuery } from '../core.js';
import { PagePromise } from '../pagination.js';
import type { Event, EventListParams, ListResponse } from '../types.js';
import { APIResource } from './shared.js';

/** `client.events`: the change feed, in commit order (scope `events:read`). */
export class Events extends APIResource {
  /**
   * Operation `events.list`. Await it for one page, or `for await` for every
   * event to the end of the feed as it stands; keep the last page's
   * `pageInfo.endCursor` to poll on from there.
   */
  list(params?: EventListParams, options?: RequestOptions): PagePromise<Event, EventListParams> {
    return new PagePromise<Event, EventListParams>(
      (p) => {
        const query: Query = [];
        addQuery(query, 'after', p.after);
        addQuery(query, 'limit', p.limit);
        addCommaList(query, 'type', p.type);
        addQuery(query, 'zone', p.zone);
        return this._core
          .request<ListResponse<Event>>({ method: 'GET', path: '/v1/events', query, auth: true, parse: 'json', options })
          .withResponse();
      },
      { ...params },
    );
  }
}
