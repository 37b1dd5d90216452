// @ts-check
// Sign-in: the viewer pastes an API key (the one printed at first start,
// or any key `roster keys create` made). It is checked with one request
// and kept in this tab's sessionStorage only.

import { h, replace } from '../dom.js';
import { call, signIn, ApiError } from '../api.js';
import { onSubmit } from '../form.js';

/**
 * @param {string | null} reason why the viewer is here again (a revoked key)
 * @param {() => void} done
 */
export function signInPage(reason, done) {
  const app = /** @type {HTMLElement} */ (document.getElementById('app'));
  const form = h('form', { class: 'card signin', novalidate: true },
    h('div', { class: 'field', 'data-field': 'key' },
      h('label', { for: 'api-key', text: 'API key' }),
      h('input', { id: 'api-key', name: 'key', type: 'password', autocomplete: 'off', required: true, spellcheck: 'false', 'aria-describedby': 'api-key-hint api-key-error' }),
      h('p', { id: 'api-key-hint', class: 'hint', text: 'The admin key printed on the first start of the server, or any key made with `roster keys create`. It stays in this browser tab only and is forgotten when the tab closes.' }),
      h('p', { id: 'api-key-error', class: 'field-error', hidden: true })),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', text: 'Sign in' })));
  onSubmit(form, async () => {
    const input = /** @type {HTMLInputElement} */ (form.elements.namedItem('key'));
    const key = input.value.trim();
    if (!key) throw new ApiError(400, { detail: 'Paste an API key.', param: 'key' });
    // Any answer but 401 means the key is known; what it may do is told
    // page by page (a 403 names the missing scope).
    try {
      await call('GET', '/v1/zones', { query: { limit: '1' }, headers: { Authorization: `Bearer ${key}`, 'X-Console-Probe': '1' } });
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) throw new ApiError(401, { detail: 'This key is not valid (unknown, mistyped or revoked).', param: 'key' });
      if (!(e instanceof ApiError) || e.status === 0 || e.status === 429) throw e;
    }
    signIn(key);
    done();
  });
  replace(app, h('main', { id: 'main', tabindex: '-1', class: 'center' },
    h('h1', { text: 'Roster console' }),
    reason ? h('p', { class: 'error', role: 'alert', text: reason }) : null,
    form));
  /** @type {HTMLInputElement} */ (form.elements.namedItem('key')).focus();
}
