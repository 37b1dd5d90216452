// @ts-check
// Zones, roles and identity providers: the same page for each (a list with
// create, edit and delete), told apart by a description of the resource.

import { h, replace, append, when, announce, confirmDialog, modal } from '../dom.js';
import { call, listAll, zonePath, enc } from '../api.js';
import { field, read, onSubmit } from '../form.js';
import { mergePatch } from './user.js';
import { session, refreshZonePicker } from '../nav.js';

/** The zone picker and the key form list the zones as they are now. */
async function refreshZones() {
  try {
    session.zones = await listAll('/v1/zones', {}, 1000);
    refreshZonePicker();
  } catch { /* the picker keeps what it had */ }
}

/**
 * @typedef {{
 *   title: string, noun: string,
 *   path: (zone: string) => string,
 *   zoned: boolean,
 *   columns: [string, string][],
 *   create: import('../form.js').FieldSpec[],
 *   edit: import('../form.js').FieldSpec[] | null,
 *   remove: string,
 *   removeNote: string,
 *   created?: (item: any) => void,
 *   changed?: () => Promise<void>,
 * }} Resource
 */

/** @param {any} value @param {string} key */
function cell(value, key) {
  if (key.endsWith('_at')) return h('time', { datetime: value || '', text: when(value) });
  if (Array.isArray(value)) return value.join(', ');
  if (value === null || value === undefined) return key === 'zones' ? 'every zone' : '—';
  return String(value);
}

/** @param {Record<string, any>} values */
const withoutBlanks = (values) => Object.fromEntries(Object.entries(values).filter(([, v]) => v !== '' && v !== null && !(Array.isArray(v) && !v.length)));

/**
 * The page of one kind of resource.
 * @param {Resource | ((ctx: import('../nav.js').Ctx) => Promise<Resource>)} describe
 * @returns {import('../nav.js').Page}
 */
export function resourcePage(describe) {
  return async (ctx) => {
    const { main, zone, signal } = ctx;
    const res = typeof describe === 'function' ? await describe(ctx) : describe;
    const path = res.path(zone);
    const tbody = h('tbody');
    const count = h('p', { class: 'count', 'aria-live': 'polite' });
    const more = h('button', { type: 'button', class: 'more', text: 'Load more', hidden: true });
    /** @type {string | null} */
    let after = null;

    const load = async (/** @type {boolean} */ first) => {
      /** @type {Record<string, string>} */
      const query = { limit: '100' };
      if (!first && after) query.after = after;
      const { data } = await call('GET', path, { query, signal });
      if (first) {
        replace(tbody);
        count.textContent = `${Number(data.total_count ?? data.data.length).toLocaleString()} ${res.noun}${data.total_count === 1 ? '' : 's'}`;
      }
      append(tbody, data.data.map(row));
      after = data.page_info.end_cursor;
      more.hidden = !data.page_info.has_next_page;
    };
    more.addEventListener('click', () => load(false));

    /** @param {any} item */
    function row(item) {
      const itemPath = `${path}/${enc(item.id)}`;
      const label = item.name || item.identifier || item.id;
      return h('tr', {}, res.columns.map(([key]) => h('td', {}, cell(item[key], key))),
        h('td', { class: 'row-actions' },
          res.edit ? h('button', { type: 'button', class: 'small', 'aria-label': `Edit ${label}`, text: 'Edit', onclick: () => openForm(item) }) : null,
          h('button', {
            type: 'button', class: 'danger small', 'aria-label': `${res.remove} ${label}`, text: res.remove,
            onclick: async () => {
              if (!(await confirmDialog(`${res.remove} ${res.noun} ${label}?`, res.removeNote, res.remove))) return;
              try {
                await call('DELETE', itemPath);
                announce(`${res.remove === 'Revoke' ? 'Revoked' : 'Deleted'} ${label}.`);
                await res.changed?.();
                await load(true);
                /** @type {HTMLElement | null} */ (main.querySelector('.page-head button'))?.focus();
              } catch (e) {
                announce(e instanceof Error ? e.message : String(e), 'error');
              }
            },
          })));
    }

    /** @param {any} [item] an item to edit; none to create */
    function openForm(item) {
      const specs = item ? res.edit || [] : res.create;
      modal(item ? `Edit ${res.noun} ${item.identifier || item.name}` : `New ${res.noun}`, (close) => {
        const form = h('form', { novalidate: true },
          specs.map((spec) => field(spec, item ? item[spec.name] : undefined)),
          h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', text: item ? 'Save' : `Create ${res.noun}` })));
        onSubmit(form, async () => {
          const values = read(form, specs);
          if (item) {
            const current = Object.fromEntries(specs.map((s) => [s.name, item[s.name] ?? (s.nullable ? null : '')]));
            const patch = mergePatch(current, values);
            if (Object.keys(patch).length) await call('PATCH', `${path}/${enc(item.id)}`, { body: patch });
            announce(`Saved ${res.noun}.`);
          } else {
            const { data } = await call('POST', path, { body: withoutBlanks(values) });
            announce(`Created ${res.noun} ${data.identifier || data.name || data.id}.`);
            close();
            // After this dialog is gone, so focus returns under the next one.
            res.created?.(data);
          }
          close();
          await res.changed?.();
          await load(true);
        });
        return form;
      });
    }

    replace(main,
      h('div', { class: 'page-head' },
        h('h1', { text: res.zoned ? `${res.title} in ${zone}` : res.title }),
        h('button', { type: 'button', class: 'primary', text: `New ${res.noun}`, onclick: () => openForm() })),
      count,
      h('div', { class: 'table-scroll' }, h('table', {},
        h('caption', { class: 'visually-hidden', text: res.title }),
        h('thead', {}, h('tr', {}, res.columns.map(([, label]) => h('th', { scope: 'col', text: label })), h('th', { scope: 'col' }, h('span', { class: 'visually-hidden', text: 'Actions' })))),
        tbody)),
      more);
    await load(true);
  };
}

export const zonesPage = resourcePage({
  title: 'Zones', noun: 'zone', zoned: false, path: () => '/v1/zones',
  columns: [['identifier', 'Identifier'], ['name', 'Name'], ['id', 'Id'], ['created_at', 'Created']],
  create: [
    { name: 'identifier', label: 'Identifier', required: true, hint: 'Lowercase letters, digits, - and _, like eu-west.' },
    { name: 'name', label: 'Name', hint: 'Defaults to the identifier.' },
  ],
  edit: [{ name: 'identifier', label: 'Identifier', required: true }, { name: 'name', label: 'Name' }],
  remove: 'Delete', removeNote: 'Only a zone without users can be deleted; its roles and providers go with it.',
  changed: refreshZones,
});

export const rolesPage = resourcePage({
  title: 'Roles', noun: 'role', zoned: true, path: (zone) => zonePath(zone, 'roles'),
  columns: [['identifier', 'Identifier'], ['name', 'Name'], ['description', 'Description'], ['external_id', 'External id'], ['created_at', 'Created']],
  create: [
    { name: 'identifier', label: 'Identifier', required: true },
    { name: 'name', label: 'Name', hint: 'Defaults to the identifier.' },
    { name: 'description', label: 'Description', type: 'textarea', nullable: true },
    { name: 'external_id', label: 'External id', nullable: true },
  ],
  edit: [
    { name: 'identifier', label: 'Identifier', required: true },
    { name: 'name', label: 'Name' },
    { name: 'description', label: 'Description', type: 'textarea', nullable: true },
    { name: 'external_id', label: 'External id', nullable: true },
  ],
  remove: 'Delete', removeNote: 'Every assignment of the role is removed with it.',
});

export const providersPage = resourcePage({
  title: 'Identity providers', noun: 'provider', zoned: true, path: (zone) => zonePath(zone, 'providers'),
  columns: [['identifier', 'Identifier'], ['issuer', 'Issuer'], ['user_identifier_claim', 'Identifier claim'], ['id', 'Id'], ['created_at', 'Created']],
  create: [
    { name: 'identifier', label: 'Identifier', required: true },
    { name: 'issuer', label: 'Issuer', required: true, hint: 'The issuer URL, like https://accounts.example.com.' },
    { name: 'user_identifier_claim', label: 'Identifier claim', hint: 'The claim that becomes a new user\'s identifier.' },
  ],
  edit: [
    { name: 'identifier', label: 'Identifier', required: true },
    { name: 'issuer', label: 'Issuer', required: true },
    { name: 'user_identifier_claim', label: 'Identifier claim' },
  ],
  remove: 'Delete', removeNote: 'Its users stay, unlinked from it.',
});
