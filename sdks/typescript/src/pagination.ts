/**
 * Pages of list results and auto-pagination.
 *
 * `await client.users.list(params)` gives one {@link Page}; `for await (const
 * user of client.users.list(params))` walks every matching item across all
 * pages, fetching each next page when the previous one is used up.
 */
import type { APIResponse } from './core.js';
import { RosterError } from './errors.js';
import type { CursorListParams, ListResponse, PageInfo } from './types.js';

/** camelCase view of the API's `page_info`. */
export interface PageInfoView {
  /** When paginating forwards, are there more items? */
  hasNextPage: boolean;
  /** When paginating backwards, are there more items? */
  hasPreviousPage: boolean;
  /** Cursor of the first item of the page; null when the page is empty. */
  startCursor: string | null;
  /** Cursor of the last item of the page; null when the page is empty. */
  endCursor: string | null;
}

/** Parameters any paged list takes (cursor mode, and page mode for users). */
export interface PageParams extends CursorListParams {
  page?: number;
  pageSize?: number;
}

type FetchPage<T, P> = (params: P) => Promise<APIResponse<ListResponse<T>>>;

/** One page of a list, able to fetch the pages after it. */
export class Page<T, P extends PageParams = PageParams> implements AsyncIterable<T> {
  /** The items of this page. */
  readonly data: T[];
  /** camelCase view of `page_info`. */
  readonly pageInfo: PageInfoView;
  /** Items matching the filters, across all pages. */
  readonly totalCount: number;
  /** Page mode only: this page's number. */
  readonly page?: number;
  /** Page mode only: the effective page size. */
  readonly pageSize?: number;
  /** The response body as the API sent it (snake_case). */
  readonly body: ListResponse<T>;
  /** The parameters that fetched this page. */
  readonly params: Readonly<P>;
  readonly #fetchPage: FetchPage<T, P>;
  readonly #response: Response;

  constructor(fetchPage: FetchPage<T, P>, params: P, result: APIResponse<ListResponse<T>>) {
    const body = result.data;
    this.#fetchPage = fetchPage;
    this.#response = result.response;
    this.params = params;
    this.body = body;
    this.data = Array.isArray(body?.data) ? body.data : [];
    const info: Partial<PageInfo> = body?.page_info ?? {};
    this.pageInfo = {
      hasNextPage: info.has_next_page === true,
      hasPreviousPage: info.has_previous_page === true,
      startCursor: info.start_cursor ?? null,
      endCursor: info.end_cursor ?? null,
    };
    this.totalCount = typeof body?.total_count === 'number' ? body.total_count : this.data.length;
    if (body?.page != null) this.page = body.page;
    if (body?.page_size != null) this.pageSize = body.page_size;
  }

  /** The raw fetch `Response` of this page. */
  get response(): Response {
    return this.#response;
  }

  /** Page mode (`page` / `pageSize` given) rather than cursor mode. */
  get isPageMode(): boolean {
    return this.params.page != null || this.params.pageSize != null;
  }

  /** Walking backwards (`before` given): the "next" page is the previous one. */
  get isBackward(): boolean {
    return !this.isPageMode && this.params.before != null;
  }

  /** The parameters of the next page, or null on the last page. */
  nextPageParams(): P | null {
    if (this.data.length === 0) return null;
    if (this.isPageMode) {
      if (!this.pageInfo.hasNextPage) return null;
      const current = this.page ?? this.params.page ?? 1;
      return { ...this.params, page: current + 1 };
    }
    if (this.isBackward) {
      const cursor = this.pageInfo.startCursor;
      if (!this.pageInfo.hasPreviousPage || cursor == null || cursor === this.params.before) return null;
      const next: P = { ...this.params, before: cursor };
      delete next.after;
      return next;
    }
    const cursor = this.pageInfo.endCursor;
    if (!this.pageInfo.hasNextPage || cursor == null || cursor === this.params.after) return null;
    const next: P = { ...this.params, after: cursor };
    delete next.before;
    return next;
  }

  /** Whether another page follows (in the direction of travel). */
  hasNextPage(): boolean {
    return this.nextPageParams() !== null;
  }

  /** Fetches the next page; throws when there is none (check `hasNextPage()`). */
  async nextPage(): Promise<Page<T, P>> {
    const params = this.nextPageParams();
    if (params === null) {
      throw new RosterError('No next page: check page.hasNextPage() before calling page.nextPage().');
    }
    return new Page(this.#fetchPage, params, await this.#fetchPage(params));
  }

  /** This page and every page after it. */
  async *iterPages(): AsyncGenerator<Page<T, P>, void, undefined> {
    let page: Page<T, P> = this;
    for (;;) {
      yield page;
      if (!page.hasNextPage()) return;
      page = await page.nextPage();
    }
  }

  /** Every item of this page and of the pages after it. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for await (const page of this.iterPages()) {
      yield* page.data;
    }
  }
}

/**
 * The result of a list call: await it for the first {@link Page}, or iterate it
 * with `for await` for every item across all pages.
 */
export class PagePromise<T, P extends PageParams = PageParams> implements PromiseLike<Page<T, P>>, AsyncIterable<T> {
  readonly #page: Promise<Page<T, P>>;

  constructor(fetchPage: FetchPage<T, P>, params: P) {
    this.#page = fetchPage(params).then((result) => new Page(fetchPage, params, result));
    this.#page.catch(() => {});
  }

  then<R1 = Page<T, P>, R2 = never>(
    onfulfilled?: ((value: Page<T, P>) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.#page.then(onfulfilled, onrejected);
  }

  catch<R = never>(onrejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<Page<T, P> | R> {
    return this.#page.catch(onrejected);
  }

  finally(onfinally?: (() => void) | null): Promise<Page<T, P>> {
    return this.#page.finally(onfinally);
  }

  /** Every page, starting with the first. */
  async *iterPages(): AsyncGenerator<Page<T, P>, void, undefined> {
    yield* (await this.#page).iterPages();
  }

  /** Every item across all pages. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    yield* await this.#page;
  }

  /** Collects every item across all pages into an array (mind large lists). */
  async toArray(): Promise<T[]> {
    const items: T[] = [];
    for await (const item of this) items.push(item);
    return items;
  }

  get [Symbol.toStringTag](): string {
    return 'PagePromise';
  }
}
