// @ts-check
// What hangs off a user: role assignments, sessions, grants (each with its
// revoke or remove button) and the user's recent events. Each section
// loads on its own, so a key lacking one scope still sees the others, and
// says which scope is missing.

import { h, replace, when, announce, confirmDialog } from '../dom.js';
import { call, listAll, zonePath, enc, ApiError } from '../api.js';
import { onSubmit } from '../form.js';

/** How many of a user's most recent events the activity view shows. */
const ACTIVITY_SHOWN = 50;
/** How many pages of a user's events the activity view reads, at most. */
const ACTIVITY_PAGES = 20;

/**
 * A titled section that loads its content and can reload it.
 * @param {string} title
 * @param {string} scope the scope a 403 means is missing
 * @param {(reload: () => Promise<void>) => Promise<import('../dom.js').Children>} load
 */
function section(title, scope, load) {
  const id = `s-${title.toLowerCase().replace(/[^a-z]+/g, '-')}`;
  const body = h('div', { class: 'section-body', 'aria-busy': 'true' }, h('p', { class: 'muted', text: 'Loading…' }));
  const reload = async () => {
    try {
      const content = await load(reload);
      replace(body, content);
    } catch (e) {
      if (e instanceof DOMException && e.name === 'AbortError') return;
      const text = e instanceof ApiError && e.status === 403 ? `This key may not read this (it needs ${scope}).` : e instanceof Error ? e.message : String(e);
      replace(body, h('p', { class: 'muted', text }));
    } finally {
      body.removeAttribute('aria-busy');
    }
  };
  reload();
  return h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id, text: title }), body);
}

/**
 * A table of items with a final column of actions.
 * @param {string} caption
 * @param {string[]} heads
 * @param {any[]} items
 * @param {(item: any) => import('../dom.js').Children[]} cells
 */
function table(caption, heads, items, cells) {
  if (!items.length) return h('p', { class: 'muted', text: `No ${caption.toLowerCase()}.` });
  return h('div', { class: 'table-scroll' }, h('table', {},
    h('caption', { class: 'visually-hidden', text: caption }),
    h('thead', {}, h('tr', {}, heads.map((t) => h('th', { scope: 'col', text: t })))),
    h('tbody', {}, items.map((item) => h('tr', {}, cells(item).map((c) => h('td', {}, c)))))));
}

/**
 * A button that confirms, calls DELETE on `path`, then reloads.
 * @param {string} label @param {string} question @param {string} path @param {() => Promise<void>} reload
 */
function removeButton(label, question, path, reload) {
  return h('button', {
    type: 'button', class: 'danger small', text: label,
    onclick: async () => {
      if (!(await confirmDialog(question, 'The user keeps everything else.', label))) return;
      try {
        await call('DELETE', path);
        announce('Done.');
        await reload();
      } catch (e) {
        announce(e instanceof Error ? e.message : String(e), 'error');
      }
    },
  });
}

/** @param {string} zone @param {string} id @param {AbortSignal} signal */
export function assignmentsSection(zone, id, signal) {
  const base = zonePath(zone, `users/${enc(id)}/role-assignments`);
  return section('Roles', 'roles:read', async (reload) => {
    const [items, roles] = await Promise.all([
      listAll(base, {}, 1000, signal),
      listAll(zonePath(zone, 'roles'), {}, 1000, signal).catch(() => []),
    ]);
    const form = h('form', { class: 'inline', novalidate: true },
      h('div', { class: 'field', 'data-field': 'role_identifier' },
        h('label', { for: 'assign-role', text: 'Role to assign' }),
        roles.length
          ? h('select', { id: 'assign-role', name: 'role_identifier', 'aria-describedby': 'assign-role-error' }, roles.map((r) => h('option', { value: r.identifier, text: r.name && r.name !== r.identifier ? `${r.name} (${r.identifier})` : r.identifier })))
          : h('input', { id: 'assign-role', name: 'role_identifier', 'aria-describedby': 'assign-role-error' }),
        h('p', { id: 'assign-role-error', class: 'field-error', hidden: true })),
      h('button', { type: 'submit', text: 'Assign' }));
    onSubmit(form, async () => {
      const role = /** @type {HTMLInputElement} */ (form.elements.namedItem('role_identifier')).value;
      await call('POST', base, { body: { role_identifier: role } });
      announce(`Assigned ${role}.`);
      await reload();
    });
    return [
      table('Role assignments', ['Role', 'Scope', 'Assigned', ''], items, (a) => [
        a.role_identifier,
        a.scope ? `${a.scope.type} ${a.scope.id}` : 'whole zone',
        when(a.created_at),
        removeButton('Remove', `Remove role ${a.role_identifier}?`, `${base}/${enc(a.id)}`, reload),
      ]),
      form,
    ];
  });
}

/** @param {string} zone @param {string} id @param {AbortSignal} signal */
export function sessionsSection(zone, id, signal) {
  const base = zonePath(zone, `users/${enc(id)}/sessions`);
  return section('Sessions', 'users:read', async (reload) => {
    const items = await listAll(base, {}, 1000, signal);
    return table('Sessions', ['Session', 'Status', 'Started', 'Expires', ''], items.reverse(), (s) => [
      h('code', { text: s.id }),
      h('span', { class: `badge ${s.status}`, text: s.status }),
      when(s.created_at),
      when(s.expires_at),
      s.status === 'active' ? removeButton('Revoke', 'Revoke this session?', `${base}/${enc(s.id)}`, reload) : '',
    ]);
  });
}

/** @param {string} zone @param {string} id @param {AbortSignal} signal */
export function grantsSection(zone, id, signal) {
  const base = zonePath(zone, `users/${enc(id)}/grants`);
  return section('Grants', 'users:read', async (reload) => {
    const items = await listAll(base, {}, 1000, signal);
    return table('Grants', ['Client', 'Resource', 'Scopes', 'Status', 'Expires', ''], items.reverse(), (g) => [
      g.client_id,
      g.resource,
      g.scopes.join(' '),
      h('span', { class: `badge ${g.status}`, text: g.status }),
      when(g.expires_at),
      g.status === 'active' ? removeButton('Revoke', `Revoke the grant to ${g.client_id}?`, `${base}/${enc(g.id)}`, reload) : '',
    ]);
  });
}

/** @param {string} zone @param {string} id @param {AbortSignal} signal */
export function activitySection(zone, id, signal) {
  return section('Activity', 'events:read', async () => {
    // The feed reads forwards; a user's events are found by index, so
    // walking them to the end is cheap, and the newest come last. Only the
    // last ACTIVITY_SHOWN are kept along the way.
    /** @type {any[]} */
    let recent = [];
    let after = null;
    let complete = false;
    for (let pages = 0; pages < ACTIVITY_PAGES; pages += 1) {
      /** @type {Record<string, string>} */
      const query = { user_id: id, zone, limit: '1000' };
      if (after) query.after = after;
      const { data } = await call('GET', '/v1/events', { query, signal });
      recent = recent.concat(data.data).slice(-ACTIVITY_SHOWN);
      after = data.page_info.end_cursor || after;
      if (!data.page_info.has_next_page) { complete = true; break; }
    }
    recent.reverse();
    if (!recent.length) return h('p', { class: 'muted', text: 'No events about this user are kept.' });
    return [complete ? null : h('p', { class: 'muted', text: `The newest of this user's first ${ACTIVITY_PAGES * 1000} events kept.` }),
      h('ol', { class: 'activity' }, recent.map((e) => h('li', {},
      h('time', { datetime: e.occurred_at, text: when(e.occurred_at) }), ' ',
      h('strong', { text: e.type }),
      e.data && e.data.changed_fields ? ` (${e.data.changed_fields.join(', ')})` : '',
      ` by ${e.actor.type === 'api_key' ? `key ${e.actor.id}` : e.actor.type === 'user' ? 'the user' : e.actor.type}`)))];
  });
}
