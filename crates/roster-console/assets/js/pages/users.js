// @ts-check
// The users table: the cursor API page by page as the viewer scrolls,
// search as you type, filters, sorting and chosen columns, all kept in the
// URL's query string, which is the API's own query (plus `zone` and `cols`),
// so a shared link opens the same view.
//
// Only the rows on screen (and a margin) are in the document: the others
// are two spacer rows of the right height. 10 000 rows as elements made
// every frame of a scroll cost 120 ms here (console bench in BENCHMARKS.md);
// a window of ~80 rows keeps a frame at the display's pace.

import { h, replace, append, when, announce } from '../dom.js';
import { call, listAll, zonePath, ApiError } from '../api.js';
import { field, showError, clearErrors } from '../form.js';
import { href, navigate } from '../nav.js';

/** @typedef {{key: string, label: string, sort?: boolean}} Column */

/** @type {Column[]} */
export const COLUMNS = [
  { key: 'email', label: 'Email', sort: true },
  { key: 'name', label: 'Name', sort: true },
  { key: 'identifier', label: 'Identifier', sort: true },
  { key: 'first_name', label: 'First name', sort: true },
  { key: 'last_name', label: 'Last name', sort: true },
  { key: 'status', label: 'Status', sort: true },
  { key: 'user_type', label: 'Type', sort: true },
  { key: 'external_id', label: 'External id' },
  { key: 'provider_id', label: 'Provider' },
  { key: 'authenticated_at', label: 'Last sign-in' },
  { key: 'created_at', label: 'Created', sort: true },
  { key: 'updated_at', label: 'Updated', sort: true },
  { key: 'id', label: 'Id' },
];
const DEFAULT_COLUMNS = ['email', 'name', 'status', 'user_type', 'created_at'];
const COLUMNS_KEY = 'roster.console.columns';
const PAGE = 100;
/** Rows drawn above and below the visible ones. */
const OVERSCAN = 20;
const SEARCH_DELAY_MS = 250;

export const STATUSES = ['active', 'onboarding', 'inactive', 'suspended', 'risky', 'disabled'];
export const USER_TYPES = ['saas_user', 'saas_admin', 'saas_user_client'];

/** Query parameters that belong to the console, not to the API. */
const CONSOLE_ONLY = new Set(['zone', 'cols']);
/** Filters read from dates: the URL keeps the API's timestamps. */
const DATE_FILTERS = [
  ['created_at_from', 'Created on or after'],
  ['created_at_to', 'Created before'],
  ['updated_at_from', 'Updated on or after'],
  ['updated_at_to', 'Updated before'],
];

/** @param {import('../nav.js').Ctx} ctx */
export async function usersPage({ main, params, zone, signal }) {
  let columns = chosenColumns(params);
  /** @type {any[]} */
  let rows = [];
  /** @type {string | null} */
  let after = null;
  let hasMore = false;
  let loading = false;
  /** @type {AbortController | null} */
  let inflight = null;

  const filters = filterForm(params);
  const count = h('p', { class: 'count', id: 'user-count', 'aria-live': 'polite' });
  const table = h('table', { class: 'users' });
  const more = h('button', { type: 'button', class: 'more', text: 'Load more', hidden: true, onclick: () => loadMore() });
  const chooser = columnChooser(columns, (next) => {
    columns = next;
    localStorage.setItem(COLUMNS_KEY, next.join(','));
    params.set('cols', next.join(','));
    navigate(`/console/users?${params}`, { replace: true, quiet: true });
    drawHead();
    drawRows(true);
  });

  replace(main,
    h('div', { class: 'page-head' },
      h('h1', { text: 'Users' }),
      h('a', { class: 'button primary', href: href('/users/new'), text: 'New user' })),
    filters, chooser, count,
    h('div', { class: 'table-scroll', role: 'region', 'aria-labelledby': 'users-caption', tabindex: '0' }, table),
    more);
  append(table, [h('caption', { id: 'users-caption', class: 'visually-hidden', text: `Users in zone ${zone}` }), h('thead'), h('tbody')]);
  drawHead();
  fillSuggestions(zone, signal);

  /** @type {[number, number]} */
  let drawn = [-1, -1];
  let rowHeight = 0;
  let frame = 0;
  /** @type {Map<number, HTMLElement>} */
  const built = new Map();
  const onScroll = () => {
    if (!frame) frame = requestAnimationFrame(() => { frame = 0; drawRows(false); });
  };
  window.addEventListener('scroll', onScroll, { passive: true });
  window.addEventListener('resize', onScroll, { passive: true });
  signal.addEventListener('abort', () => {
    window.removeEventListener('scroll', onScroll);
    window.removeEventListener('resize', onScroll);
  });

  /**
   * Draws the rows in view and spacers for the rest.
   * @param {boolean} force redraw even if the same rows are in view
   */
  function drawRows(force) {
    const body = /** @type {HTMLElement} */ (table.tBodies[0]);
    table.setAttribute('aria-rowcount', String(rows.length + 1));
    if (!rows.length) return;
    if (!rowHeight) {
      replace(body, row(rows[0], 0));
      rowHeight = body.getBoundingClientRect().height || 37;
    }
    const offset = -body.getBoundingClientRect().top;
    const first = Math.max(0, Math.floor(offset / rowHeight) - OVERSCAN);
    const last = Math.min(rows.length, Math.ceil((offset + window.innerHeight) / rowHeight) + OVERSCAN);
    if (!force && first === drawn[0] && last === drawn[1]) return;
    drawn = [first, last];
    if (force) built.clear();
    // Rows still in view are moved, not rebuilt; rows that left are dropped.
    for (const index of built.keys()) if (index < first || index >= last) built.delete(index);
    const spacer = (/** @type {number} */ n) => {
      const tr = h('tr', { class: 'spacer', 'aria-hidden': 'true' }, h('td', { colspan: columns.length }));
      tr.style.height = `${n * rowHeight}px`;
      return tr;
    };
    replace(body,
      first > 0 ? spacer(first) : null,
      rows.slice(first, last).map((user, i) => {
        const index = first + i;
        let tr = built.get(index);
        if (!tr) { tr = row(user, index); built.set(index, tr); }
        return tr;
      }),
      last < rows.length ? spacer(rows.length - last) : null);
  }

  // Scrolling near the end loads the next page.
  const observer = new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting)) loadMore();
  }, { rootMargin: '600px' });
  observer.observe(more);
  signal.addEventListener('abort', () => { observer.disconnect(); inflight?.abort(); });

  // Typing searches after a pause; a newer request cancels the older one.
  /** @type {number | undefined} */
  let timer;
  signal.addEventListener('abort', () => clearTimeout(timer));
  filters.addEventListener('input', (e) => {
    const target = /** @type {HTMLInputElement} */ (e.target);
    if (target.name !== 'q') return;
    clearTimeout(timer);
    timer = window.setTimeout(() => applyFilters(true), SEARCH_DELAY_MS);
  });
  filters.addEventListener('change', (e) => {
    if (/** @type {HTMLInputElement} */ (e.target).name === 'q') return;
    applyFilters(false);
  });
  filters.addEventListener('submit', (e) => { e.preventDefault(); clearTimeout(timer); applyFilters(true); });
  filters.addEventListener('reset', (e) => {
    e.preventDefault();
    navigate(href('/users', { zone, cols: columns.join(',') }));
  });

  await reload();

  /** @param {boolean} typing */
  function applyFilters(typing) {
    if (signal.aborted) return;
    params = readFilters(filters, params);
    navigate(`/console/users?${params}`, { replace: typing, quiet: true });
    reload();
  }

  async function reload() {
    inflight?.abort();
    rows = [];
    after = null;
    drawn = [-1, -1];
    replace(/** @type {HTMLElement} */ (table.tBodies[0]));
    await fetchPage(true);
  }

  async function loadMore() {
    if (!hasMore || loading) return;
    await fetchPage(false);
  }

  /** @param {boolean} first */
  async function fetchPage(first) {
    const controller = new AbortController();
    inflight = controller;
    loading = true;
    table.setAttribute('aria-busy', 'true');
    const query = apiQuery(params);
    if (after) query.set('after', after);
    try {
      const { data } = await call('GET', zonePath(zone, 'users'), { query, signal: controller.signal });
      if (controller !== inflight) return;
      clearErrors(filters);
      rows.push(...data.data);
      drawRows(true);
      after = data.page_info.end_cursor;
      hasMore = Boolean(data.page_info.has_next_page && after);
      more.hidden = !hasMore;
      if (first) {
        const exact = data.total_count_exact !== false;
        const total = Number(data.total_count ?? rows.length);
        count.textContent = `${exact ? '' : 'At least '}${total.toLocaleString()} ${total === 1 ? 'user' : 'users'}`;
        // A page can be empty while more are to come (a filter's scan budget).
        if (!rows.length && !hasMore) append(/** @type {HTMLElement} */ (table.tBodies[0]), [h('tr', {}, h('td', { colspan: columns.length, class: 'empty', text: 'No users match.' }))]);
      }
    } catch (e) {
      if (e instanceof DOMException && e.name === 'AbortError') return;
      if (controller !== inflight) return;
      if (!first) {
        // The rows shown stay; the button retries.
        more.hidden = false;
        announce(`Loading more users failed: ${e instanceof Error ? e.message : e}`, 'error');
        return;
      }
      hasMore = false;
      more.hidden = true;
      count.textContent = '';
      showError(filters, e);
      if (e instanceof ApiError && !e.param) announce(e.message, 'error');
    } finally {
      if (controller === inflight) {
        loading = false;
        table.removeAttribute('aria-busy');
      }
    }
    // A short page on a tall screen leaves the sentinel in view: keep going.
    if (hasMore && more.getBoundingClientRect().top < window.innerHeight + 600) loadMore();
  }

  function drawHead() {
    const sort = params.get('sort') || '';
    const head = /** @type {HTMLTableSectionElement} */ (table.tHead);
    replace(head, h('tr', { 'aria-rowindex': 1 }, columns.map((key) => {
      const col = COLUMNS.find((c) => c.key === key) || { key, label: key };
      const state = sort === col.key ? 'ascending' : sort === `-${col.key}` ? 'descending' : null;
      if (!col.sort) return h('th', { scope: 'col', text: col.label });
      const next = state === 'ascending' ? `-${col.key}` : col.key;
      return h('th', { scope: 'col', 'aria-sort': state || 'none' },
        h('button', {
          type: 'button', class: 'sort',
          'aria-label': `${col.label}, sort ${state === 'ascending' ? 'descending' : 'ascending'}`,
          onclick: () => {
            params.set('sort', next);
            navigate(`/console/users?${params}`, { quiet: true });
            drawHead();
            reload();
          },
        }, col.label, h('span', { 'aria-hidden': 'true', class: 'arrow', text: state === 'ascending' ? ' ▲' : state === 'descending' ? ' ▼' : '' })));
    })));
    const caption = table.querySelector('caption');
    if (caption) caption.textContent = `Users in zone ${zone}${sort ? `, sorted by ${sort.replace(/^-/, '')} ${sort.startsWith('-') ? 'descending' : 'ascending'}` : ''}`;
  }

  /** @param {any} user @param {number} index */
  function row(user, index) {
    return h('tr', { 'aria-rowindex': index + 2, class: index % 2 ? 'odd' : null }, columns.map((key, i) => {
      const value = user[key];
      let content;
      if (key === 'email' || (i === 0 && key !== 'email')) {
        content = h('a', { href: href(`/users/${user.id}`), text: String(value ?? user.id) });
      } else if (key === 'status') {
        content = h('span', { class: `badge ${value}`, text: value });
      } else if (key.endsWith('_at')) {
        content = h('time', { datetime: value || '', text: when(value) });
      } else {
        content = value === null || value === undefined ? '—' : String(value);
      }
      return h('td', {}, content);
    }));
  }
}

/** The API query of a console URL's parameters. @param {URLSearchParams} params */
export function apiQuery(params) {
  const query = new URLSearchParams();
  for (const [k, v] of params) if (!CONSOLE_ONLY.has(k) && (v !== '' || k.startsWith('attributes.'))) query.append(k, v);
  query.set('limit', String(PAGE));
  return query;
}

/** @param {URLSearchParams} params */
function chosenColumns(params) {
  const given = (params.get('cols') || localStorage.getItem(COLUMNS_KEY) || '').split(',').filter((c) => COLUMNS.some((col) => col.key === c));
  return given.length ? given : DEFAULT_COLUMNS;
}

/**
 * @param {string[]} columns
 * @param {(next: string[]) => void} onChange
 */
function columnChooser(columns, onChange) {
  const chosen = new Set(columns);
  const box = h('details', { class: 'columns' }, h('summary', { text: 'Columns' }),
    h('fieldset', {}, h('legend', { class: 'visually-hidden', text: 'Columns shown' }),
      COLUMNS.map((col) => h('label', { class: 'choice' },
        h('input', { type: 'checkbox', value: col.key, checked: chosen.has(col.key) }), ` ${col.label}`))));
  box.addEventListener('change', () => {
    const next = [...box.querySelectorAll('input:checked')].map((i) => /** @type {HTMLInputElement} */ (i).value);
    onChange(next.length ? next : ['email']);
  });
  return box;
}

/** @param {string} v */
const list = (v) => v.split(',').map((x) => x.trim()).filter(Boolean);

/** Parameters the filter form shows and writes; the URL's others are kept as they are. @param {string} k */
const managed = (k) => {
  const name = k.startsWith('filter[') ? k.slice(7, -1) : k;
  return ['q', 'search', 'status', 'user_type', 'role', 'provider_id', 'external_id', 'after', 'before', 'page', 'page_size']
    .includes(name) || DATE_FILTERS.some(([d]) => d === name) || name.startsWith('attributes.');
};

/** The filter form, filled from the URL. @param {URLSearchParams} params */
function filterForm(params) {
  const get = (/** @type {string} */ k) => params.get(k) ?? params.get(`filter[${k}]`) ?? '';
  const attrs = [...params].filter(([k]) => k.startsWith('attributes.')).map(([k, v]) => `${k.slice(11)}=${v}`).join('\n');
  const active = [...params.keys()].some((k) => !['zone', 'cols', 'q', 'sort'].includes(k));
  const dates = DATE_FILTERS.map(([name, label]) => {
    const box = field({ name, label: `${label} (UTC)` }, get(name).slice(0, 10));
    const input = /** @type {HTMLInputElement} */ (box.querySelector('input'));
    input.type = 'date';
    return box;
  });
  const search = field({ name: 'q', label: 'Search users', hint: 'Email, name, identifier, id or description; matches anywhere in the text.' }, params.get('q') || params.get('search') || '');
  /** @type {HTMLInputElement} */ (search.querySelector('input')).type = 'search';
  const withList = (/** @type {HTMLElement} */ box, /** @type {string} */ list) => {
    /** @type {HTMLInputElement} */ (box.querySelector('input')).setAttribute('list', list);
    return box;
  };
  return h('form', { class: 'filters', role: 'search', 'aria-label': 'Find users', novalidate: true },
    search,
    h('details', { class: 'more-filters', open: active },
      h('summary', { text: 'Filters' }),
      h('div', { class: 'grid' },
        field({ name: 'status', label: 'Status', type: 'checkboxes', options: STATUSES.map((s) => /** @type {[string, string]} */ ([s, s])), hint: 'None checked: any.' }, list(get('status'))),
        field({ name: 'user_type', label: 'Type', type: 'checkboxes', options: USER_TYPES.map((s) => /** @type {[string, string]} */ ([s, s])), hint: 'None checked: any.' }, list(get('user_type'))),
        withList(field({ name: 'role', label: 'Role', hint: 'Identifier or id' }, get('role')), 'role-options'),
        withList(field({ name: 'provider_id', label: 'Provider', hint: 'Provider id (idp_…)' }, get('provider_id')), 'provider-options'),
        field({ name: 'external_id', label: 'External id' }, get('external_id')),
        ...dates,
        field({ name: 'attributes', label: 'Custom attributes', type: 'textarea', hint: 'One key=value per line; a value is read as JSON when it is a number, true, false, null or "quoted".' }, attrs)),
      h('datalist', { id: 'role-options' }), h('datalist', { id: 'provider-options' }),
      h('div', { class: 'actions' },
        h('button', { type: 'submit', text: 'Apply' }),
        h('button', { type: 'reset', class: 'ghost', text: 'Clear filters' }))));
}

/**
 * The console URL of the filter form's values, keeping the URL's other
 * parameters (zone, cols, sort, and filters the form does not show).
 * @param {HTMLFormElement} form
 * @param {URLSearchParams} params
 */
function readFilters(form, params) {
  const query = new URLSearchParams([...params].filter(([k]) => !managed(k)));
  const value = (/** @type {string} */ n) => /** @type {HTMLInputElement} */ (form.elements.namedItem(n)).value.trim();
  const checked = (/** @type {string} */ n) => [...form.querySelectorAll(`input[name="${n}"]:checked`)].map((i) => /** @type {HTMLInputElement} */ (i).value).join(',');
  for (const name of ['q', 'role', 'provider_id', 'external_id']) {
    if (value(name)) query.set(name, value(name));
  }
  for (const name of ['status', 'user_type']) {
    if (checked(name)) query.set(name, checked(name));
  }
  for (const [name] of DATE_FILTERS) {
    // A date is that day from 00:00 UTC; a timestamp from a shared URL is
    // kept as it was while its day is unchanged.
    const before = params.get(name) || '';
    if (value(name)) query.set(name, before.slice(0, 10) === value(name) ? before : `${value(name)}T00:00:00Z`);
  }
  for (const line of value('attributes').split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) query.append(`attributes.${line.slice(0, at).trim()}`, line.slice(at + 1).trim());
  }
  return query;
}

/** Suggestions for the role and provider filters; without the scope there are none. @param {string} zone @param {AbortSignal} signal */
function fillSuggestions(zone, signal) {
  const fill = async (/** @type {string} */ path, /** @type {string} */ list, /** @type {(x: any) => [string, string]} */ pick) => {
    try {
      const items = await listAll(zonePath(zone, path), {}, 1000, signal);
      const el = document.getElementById(list);
      if (el) replace(el, items.map((x) => { const [value, label] = pick(x); return h('option', { value, label }); }));
    } catch { /* suggestions are optional */ }
  };
  fill('roles', 'role-options', (r) => [r.identifier, r.name]);
  fill('providers', 'provider-options', (p) => [p.id, p.identifier]);
}
