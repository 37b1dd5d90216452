// @ts-check
// API keys: list, create (the secret is shown once, with a copy button)
// and revoke. Keys have no edit: a key's powers are fixed at creation.

import { h, modal, announce } from '../dom.js';
import { session } from '../nav.js';
import { resourcePage } from './resources.js';

const SCOPES = ['users:read', 'users:write', 'users:metadata', 'roles:read', 'roles:write', 'zones:read', 'zones:write', 'keys:write', 'events:read', 'webhooks:write', 'scim', 'admin'];

/** The secret of a key just made: shown here once, never again. @param {any} key */
function showSecret(key) {
  modal('Copy the new key now', (close) => {
    const secret = h('input', { id: 'new-key-secret', readonly: true, value: key.key, class: 'mono', 'aria-describedby': 'new-key-note', spellcheck: 'false' });
    return [
      h('p', { id: 'new-key-note', text: `This is the only time the secret of "${key.name}" is shown. Store it somewhere safe.` }),
      h('div', { class: 'field' }, h('label', { for: 'new-key-secret', text: 'Secret' }), secret),
      h('div', { class: 'actions' },
        h('button', {
          type: 'button', class: 'primary', text: 'Copy',
          onclick: async () => {
            try {
              await navigator.clipboard.writeText(key.key);
              announce('Copied the key.');
            } catch {
              secret.select();
              announce('Select the key and copy it (the browser did not allow copying).', 'error');
            }
          },
        }),
        h('button', { type: 'button', text: 'Done', onclick: close })),
    ];
  });
}

export const keysPage = resourcePage(async () => {
  /** @type {[string, string][]} */
  const zones = (session.zones || []).map((z) => [z.identifier, z.identifier]);
  return {
    title: 'API keys', noun: 'key', zoned: false, path: () => '/v1/api-keys',
    columns: [['name', 'Name'], ['scopes', 'Scopes'], ['zones', 'Zones'], ['id', 'Id'], ['created_at', 'Created'], ['last_used_at', 'Last used']],
    create: [
      { name: 'name', label: 'Name', required: true },
      { name: 'scopes', label: 'Scopes', type: 'checkboxes', options: SCOPES.map((s) => /** @type {[string, string]} */ ([s, s])) },
      ...(zones.length ? [
        /** @type {import('../form.js').FieldSpec} */ ({ name: 'zones', label: 'Zones', type: 'checkboxes', options: zones, hint: 'None checked: every zone.' }),
        /** @type {import('../form.js').FieldSpec} */ ({ name: 'default_zone', label: 'Default zone', type: 'select', nullable: true, options: [['', 'The first of its zones, else default'], ...zones] }),
      ] : []),
    ],
    edit: null,
    remove: 'Revoke', removeNote: 'Requests with this key fail from its next use (within 5 seconds on other nodes).',
    created: showSecret,
  };
});
