// @ts-check
// One user: every field, edited through a JSON merge patch sent with
// If-Match (someone else's change in the meantime answers 412 and is said
// so, with the viewer's edits kept), deletion after confirmation, and
// creation.

import { h, replace, append, when, announce, confirmDialog } from '../dom.js';
import { call, listAll, zonePath, enc, ApiError } from '../api.js';
import { field, read, onSubmit } from '../form.js';
import { href, navigate } from '../nav.js';
import { STATUSES, USER_TYPES } from './users.js';
import { assignmentsSection, sessionsSection, grantsSection, activitySection } from './user_related.js';

/** @param {string[]} values @returns {[string, string][]} */
const options = (values) => values.map((v) => [v, v]);

/**
 * The writable fields, in the order of the user object's table.
 * @param {[string, string][]} providers
 * @returns {import('../form.js').FieldSpec[]}
 */
function specs(providers) {
  return [
    { name: 'email', label: 'Email', type: 'email', required: true },
    { name: 'email_verified', label: 'Email verified', type: 'checkbox' },
    { name: 'identifier', label: 'Identifier', hint: 'Unique in the zone; defaults to the id.' },
    { name: 'first_name', label: 'First name' },
    { name: 'last_name', label: 'Last name' },
    { name: 'name', label: 'Display name', hint: 'On creation it defaults to first and last name.' },
    { name: 'description', label: 'Description', type: 'textarea', nullable: true },
    { name: 'user_type', label: 'Type', type: 'select', options: options(USER_TYPES) },
    { name: 'status', label: 'Status', type: 'select', options: options(STATUSES), hint: 'Disabling revokes the user\'s sessions and grants.' },
    { name: 'external_id', label: 'External id', nullable: true, hint: 'A provisioning system\'s id (SCIM externalId).' },
    { name: 'provider_id', label: 'Identity provider', type: 'select', nullable: true, options: [['', 'None'], ...providers] },
    { name: 'issuer', label: 'Issuer', nullable: true },
    { name: 'subject', label: 'Subject', nullable: true },
    { name: 'attributes', label: 'Custom attributes (JSON)', type: 'json', hint: 'A JSON object. Keys you remove are removed from the user.' },
  ];
}

/** @param {string} zone @param {AbortSignal} signal @returns {Promise<[string, string][]>} */
async function providerOptions(zone, signal) {
  try {
    const list = await listAll(zonePath(zone, 'providers'), {}, 1000, signal);
    return list.map((p) => [p.id, p.identifier]);
  } catch (e) {
    if (e instanceof ApiError && e.status === 403) return [];
    throw e;
  }
}

/**
 * RFC 7396: the merge patch that turns `from` into `to` (objects
 * recursively, a removed key as null, anything else replaced whole).
 * @param {any} from @param {any} to
 * @returns {Record<string, any>}
 */
export function mergePatch(from, to) {
  /** @type {Record<string, any>} */
  const patch = {};
  // Own keys only, set as data: an attribute may be named `constructor`
  // or `__proto__`.
  const put = (/** @type {string} */ key, /** @type {any} */ value) => Object.defineProperty(patch, key, { value, enumerable: true, writable: true, configurable: true });
  for (const key of Object.keys(from)) if (!Object.hasOwn(to, key)) put(key, null);
  for (const [key, value] of Object.entries(to)) {
    const old = Object.hasOwn(from, key) ? from[key] : undefined;
    if (isObject(value) && isObject(old)) {
      const inner = mergePatch(old, value);
      if (Object.keys(inner).length) put(key, inner);
    } else if (JSON.stringify(old) !== JSON.stringify(value)) {
      put(key, value);
    }
  }
  return patch;
}

/** @param {unknown} v @returns {v is Record<string, any>} */
const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

/** @param {import('../nav.js').Ctx} ctx */
export async function userPage({ main, zone, match, signal }) {
  const id = match[0];
  const path = zonePath(zone, `users/${enc(id)}`);
  const [{ data: user, etag }, providers] = await Promise.all([
    call('GET', path, { signal }).catch((e) => {
      if (e instanceof ApiError && e.status === 404) return { data: null, etag: null };
      throw e;
    }),
    providerOptions(zone, signal),
  ]);
  if (!user) {
    replace(main, h('h1', { text: 'User not found' }),
      h('p', {}, `No user ${id} in zone ${zone} (or this key may not see it). `, h('a', { href: href('/users'), text: 'Back to users' })));
    return;
  }
  const state = { user, etag, baseline: /** @type {Record<string, any>} */ ({}) };
  // A provider the key cannot list (no zones:read, or past the first
  // 1 000) is still an option, so saving never unlinks it by accident.
  if (user.provider_id && !providers.some(([id]) => id === user.provider_id)) providers.push([user.provider_id, user.provider_id]);
  const fields = specs(providers);
  const form = h('form', { class: 'card user-form', novalidate: true, 'aria-labelledby': 'profile-title' });
  const stale = h('div', { class: 'stale', role: 'alert', hidden: true });

  function drawForm() {
    replace(form,
      h('h2', { id: 'profile-title', text: 'Profile' }),
      stale,
      h('div', { class: 'grid' }, fields.map((spec) => field(spec, state.user[spec.name]))),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', text: 'Save changes' })));
    // What the form says before any edit: a save sends what differs from
    // this, so the form's own spellings (a textarea's line ends, an empty
    // text for null) are never sent as changes.
    state.baseline = read(form, fields);
  }
  drawForm();

  onSubmit(form, async () => {
    const values = read(form, fields);
    // Fields as the form shows them, except custom attributes, compared
    // with the user's own (a key removed from the JSON is sent as null).
    const patch = mergePatch({ ...state.baseline, attributes: state.user.attributes || {} }, values);
    if (!Object.keys(patch).length) {
      announce('Nothing to save.');
      return;
    }
    try {
      const answer = await call('PATCH', path, {
        body: patch, contentType: 'application/merge-patch+json', headers: { 'If-Match': state.etag || '*' },
      });
      state.user = answer.data;
      state.etag = answer.etag;
      stale.hidden = true;
      drawForm();
      drawFacts();
      /** @type {HTMLElement} */ (form.querySelector('button[type="submit"]')).focus();
      announce(`Saved at ${new Date().toLocaleTimeString()}.`);
    } catch (e) {
      if (e instanceof ApiError && e.code === 'precondition_failed') {
        showStale();
        return;
      }
      throw e;
    }
  });

  function showStale() {
    replace(stale,
      h('p', {}, h('strong', { text: 'Someone else changed this user' }), ' after you opened it, so nothing was saved. Your edits are still in the form.'),
      h('div', { class: 'actions' },
        h('button', {
          type: 'button', text: 'Load their version (drops your edits)',
          onclick: async () => {
            try {
              const fresh = await call('GET', path, { signal });
              state.user = fresh.data;
              state.etag = fresh.etag;
              stale.hidden = true;
              drawForm();
              drawFacts();
              /** @type {HTMLElement} */ (form.querySelector('input')).focus();
              announce('Loaded the current version.');
            } catch (e) {
              if (!(e instanceof DOMException && e.name === 'AbortError')) announce(e instanceof Error ? e.message : String(e), 'error');
            }
          },
        })));
    stale.hidden = false;
    stale.setAttribute('tabindex', '-1');
    stale.focus();
  }

  const facts = h('dl', { class: 'facts' });
  function drawFacts() {
    const u = state.user;
    replace(facts, [
      ['Id', u.id], ['Zone', u.zone_id], ['Organization', u.organization_id],
      ['Created', when(u.created_at)], ['Updated', when(u.updated_at)], ['Last sign-in', when(u.authenticated_at)],
      ...(u.created_by ? [['Created by', u.created_by], ['Updated by', u.updated_by]] : []),
    ].map(([k, v]) => [h('dt', { text: k }), h('dd', { text: v })]).flat());
    const title = document.getElementById('user-title');
    if (title) title.textContent = u.name || u.email;
  }
  drawFacts();

  const remove = h('button', {
    type: 'button', class: 'danger',
    onclick: async () => {
      const ok = await confirmDialog('Delete this user?', `${state.user.email} will be deleted with their sessions, grants and role assignments. This cannot be undone.`, 'Delete user');
      if (!ok) return;
      try {
        await call('DELETE', path, { headers: { 'If-Match': state.etag || '*' } });
        announce(`Deleted ${state.user.email}.`);
        navigate(href('/users'));
      } catch (e) {
        if (e instanceof ApiError && e.code === 'precondition_failed') showStale();
        else announce(e instanceof Error ? e.message : String(e), 'error');
      }
    },
  }, 'Delete user');

  replace(main,
    h('p', { class: 'crumbs' }, h('a', { href: href('/users'), text: 'Users' }), ' / ', user.email),
    h('div', { class: 'page-head' },
      h('h1', { id: 'user-title', text: user.name || user.email }),
      h('span', { class: `badge ${user.status}`, text: user.status }),
      remove),
    facts, form);
  append(main, [
    assignmentsSection(zone, id, signal),
    sessionsSection(zone, id, signal),
    grantsSection(zone, id, signal),
    activitySection(zone, id, signal),
  ]);
}

/** @param {import('../nav.js').Ctx} ctx */
export async function newUserPage({ main, zone, signal }) {
  const providers = await providerOptions(zone, signal);
  const fields = specs(providers);
  const blank = { user_type: 'saas_user', status: 'active', attributes: {} };
  const form = h('form', { class: 'card user-form', novalidate: true, 'aria-labelledby': 'new-title' },
    h('div', { class: 'grid' }, fields.map((spec) => field(spec, /** @type {any} */ (blank)[spec.name]))),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', text: 'Create user' })));
  onSubmit(form, async () => {
    const values = read(form, fields);
    // Empty text means "the default" on creation: leave it out.
    const body = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== '' && v !== null));
    const { data } = await call('POST', zonePath(zone, 'users'), { body });
    announce(`Created ${data.email}.`);
    navigate(href(`/users/${data.id}`));
  });
  replace(main,
    h('p', { class: 'crumbs' }, h('a', { href: href('/users'), text: 'Users' }), ' / new'),
    h('h1', { id: 'new-title', text: `New user in ${zone}` }), form);
  /** @type {HTMLInputElement} */ (form.elements.namedItem('email')).focus();
}
