// @ts-check
// Routing and the frame around every page. Views live in the URL (path +
// query string), so a link or a reload shows the same view; the zone is
// the `zone` parameter of every view.

import { h, replace, announce } from './dom.js';
import { signOut, apiKey } from './api.js';

/**
 * What a page gets.
 * @typedef {{main: HTMLElement, params: URLSearchParams, zone: string, match: string[], signal: AbortSignal}} Ctx
 * @typedef {(ctx: Ctx) => Promise<void> | void} Page
 */

/** @type {{zones: {id: string, identifier: string, name: string}[] | null}} */
export const session = { zones: null };

const ZONE_KEY = 'roster.console.zone';
const THEME_KEY = 'roster.console.theme';

/** The zone of the current view. */
export function currentZone() {
  const fromUrl = new URLSearchParams(window.location.search).get('zone');
  if (fromUrl) return fromUrl;
  return sessionStorage.getItem(ZONE_KEY) || (session.zones && session.zones[0] && session.zones[0].identifier) || 'default';
}

/**
 * A console URL for `path` (below /console) in the current zone.
 * @param {string} path
 * @param {Record<string, string> | URLSearchParams} [params]
 */
export function href(path, params = {}) {
  const query = new URLSearchParams(params);
  if (!query.has('zone')) query.set('zone', currentZone());
  const qs = query.toString();
  return `/console${path}${qs ? `?${qs}` : ''}`;
}

/** @type {[RegExp, Page][]} */
const routes = [];
/** @type {AbortController | null} */
let running = null;

/** @param {RegExp} pattern @param {Page} page */
export function route(pattern, page) {
  routes.push([pattern, page]);
}

/**
 * Shows `url` (a console URL). `replace` keeps the history entry (typing in
 * a search box); otherwise the view is a new entry the Back button returns from.
 * @param {string} url
 * @param {{replace?: boolean, quiet?: boolean}} [how]
 */
export function navigate(url, how = {}) {
  if (how.replace) window.history.replaceState(null, '', url);
  else window.history.pushState(null, '', url);
  if (!how.quiet) render();
}

/** Renders the view the URL names. */
export async function render() {
  // Back or Forward on the sign-in page: nothing to show until signed in.
  if (!apiKey()) return;
  running?.abort();
  const controller = new AbortController();
  running = controller;
  const main = /** @type {HTMLElement} */ (document.getElementById('main'));
  const path = window.location.pathname.replace(/\/+$/, '') || '/console';
  const params = new URLSearchParams(window.location.search);
  const zone = currentZone();
  sessionStorage.setItem(ZONE_KEY, zone);
  markCurrent(path);
  syncZonePicker(zone);
  for (const [pattern, page] of routes) {
    const match = path.match(pattern);
    if (!match) continue;
    replace(main);
    try {
      await page({ main, params, zone, match: match.slice(1).map(decodeURIComponent), signal: controller.signal });
      const heading = main.querySelector('h1');
      document.title = `${heading ? heading.textContent : 'Roster'} · Roster console`;
    } catch (e) {
      if (e instanceof DOMException && e.name === 'AbortError') return;
      replace(main, h('h1', { text: 'Something went wrong' }),
        h('p', { class: 'error', role: 'alert', text: e instanceof Error ? e.message : String(e) }));
    }
    return;
  }
  replace(main, h('h1', { text: 'Not found' }), h('p', {}, 'No console page is at this address. ', h('a', { href: href('/users'), text: 'Go to users' }), '.'));
}

/** @param {string} path */
function markCurrent(path) {
  for (const link of document.querySelectorAll('nav.primary a')) {
    const target = new URL(/** @type {HTMLAnchorElement} */ (link).href).pathname;
    if (path === target || path.startsWith(`${target}/`)) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

/** @param {string} zone */
function syncZonePicker(zone) {
  const picker = /** @type {HTMLSelectElement | HTMLInputElement | null} */ (document.getElementById('zone-picker'));
  if (!picker) return;
  if (picker instanceof HTMLSelectElement && ![...picker.options].some((o) => o.value === zone)) {
    picker.append(h('option', { value: zone, text: zone }));
  }
  picker.value = zone;
}

function applyTheme() {
  const theme = localStorage.getItem(THEME_KEY);
  if (theme) document.documentElement.dataset.theme = theme;
  else delete document.documentElement.dataset.theme;
}

function themeButton() {
  const label = () => {
    const theme = localStorage.getItem(THEME_KEY);
    return theme === 'dark' ? 'Theme: dark' : theme === 'light' ? 'Theme: light' : 'Theme: system';
  };
  const button = h('button', { type: 'button', class: 'ghost', id: 'theme', text: label() });
  button.addEventListener('click', () => {
    const order = [null, 'light', 'dark'];
    const next = order[(order.indexOf(localStorage.getItem(THEME_KEY)) + 1) % order.length];
    if (next) localStorage.setItem(THEME_KEY, next);
    else localStorage.removeItem(THEME_KEY);
    applyTheme();
    button.textContent = label();
  });
  return button;
}

/** Rebuilds the zone picker from `session.zones`. */
export function refreshZonePicker() {
  const old = document.getElementById('zone-picker');
  if (!old) return;
  old.replaceWith(zonePicker());
  syncZonePicker(currentZone());
}

function zonePicker() {
  if (!session.zones) {
    return h('input', { id: 'zone-picker', name: 'zone', value: currentZone(), size: 12 });
  }
  return h('select', { id: 'zone-picker', name: 'zone' },
    session.zones.map((z) => h('option', { value: z.identifier, text: z.name && z.name !== z.identifier ? `${z.name} (${z.identifier})` : z.identifier })));
}

/**
 * The zone picker and its Switch button. Choosing a zone does not change
 * the page by itself (WCAG 3.2.2, "On Input"): in a closed select the
 * arrow keys change the value, and each step would load another zone.
 * The button, or Enter in the text field, switches.
 */
function zoneSwitch() {
  const form = h('form', { class: 'zone-switch', novalidate: true },
    h('label', { for: 'zone-picker', text: 'Zone' }), zonePicker(),
    h('button', { type: 'submit', class: 'ghost', text: 'Switch' }));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const picker = /** @type {HTMLSelectElement | HTMLInputElement | null} */ (document.getElementById('zone-picker'));
    const zone = picker ? picker.value.trim() : '';
    if (!zone || zone === currentZone()) return;
    // A user, role or key of one zone means nothing in another: go to the
    // section's list in the new zone.
    const section = window.location.pathname.split('/')[2] || 'users';
    navigate(`/console/${section}?zone=${encodeURIComponent(zone)}`);
    announce(`Zone ${zone}`);
  });
  // A zone browsed to but not switched to is not shown as the current one.
  form.addEventListener('focusout', (e) => {
    const next = /** @type {FocusEvent} */ (e).relatedTarget;
    if (!(next instanceof Node) || !form.contains(next)) syncZonePicker(currentZone());
  });
  return form;
}

/** The frame: header with navigation, zone picker, theme and sign-out; status line; main. */
export function frame() {
  applyTheme();
  const app = /** @type {HTMLElement} */ (document.getElementById('app'));
  const link = (/** @type {string} */ path, /** @type {string} */ text) => h('li', {}, h('a', { href: href(path), text, 'data-section': path }));
  replace(app,
    h('header', { class: 'top' },
      h('a', { class: 'brand', href: href('/users'), 'data-section': '/users' }, h('img', { src: '/console/assets/icon.svg', alt: '', width: 24, height: 24 }), 'Roster'),
      h('nav', { class: 'primary', 'aria-label': 'Sections' },
        h('ul', {}, link('/users', 'Users'), link('/zones', 'Zones'), link('/roles', 'Roles'), link('/providers', 'Providers'), link('/keys', 'API keys'))),
      h('div', { class: 'tools' },
        zoneSwitch(),
        themeButton(),
        h('button', { type: 'button', class: 'ghost', onclick: () => { signOut(); window.location.assign('/console'); }, text: 'Sign out' }))),
    h('p', { id: 'status', class: 'status', role: 'status', 'aria-live': 'polite' }),
    h('main', { id: 'main', tabindex: '-1' }));
  // Section links keep the zone the viewer is in.
  for (const a of app.querySelectorAll('a[data-section]')) {
    a.addEventListener('click', () => { /** @type {HTMLAnchorElement} */ (a).href = href(a.getAttribute('data-section') || '/users'); });
  }
}

/** Same-origin console links navigate in place. */
export function interceptLinks() {
  document.addEventListener('click', (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = /** @type {Element} */ (e.target).closest('a');
    if (!a || a.target || a.hasAttribute('download')) return;
    const url = new URL(a.href, window.location.href);
    if (url.origin !== window.location.origin || !url.pathname.startsWith('/console') || url.pathname.startsWith('/console/assets')) return;
    e.preventDefault();
    navigate(url.pathname + url.search);
    document.getElementById('main')?.focus();
  });
  window.addEventListener('popstate', () => render());
}
