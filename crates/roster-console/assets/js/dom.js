// @ts-check
// DOM building without a framework: the console is a handful of forms and
// tables, and `h()` keeps them readable while every text goes in as text
// (never as HTML), so nothing an API returns can become markup.

/**
 * @typedef {string | number | Node | null | undefined | false} Child
 * @typedef {Child | Child[]} Children
 */

/**
 * Builds an element. `props`: `class`, `text`, `on<event>` handlers, boolean
 * attributes (set when true), anything else as an attribute.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, any>} [props]
 * @param {...Children} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2), value);
    } else if (name === 'class') {
      el.className = String(value);
    } else if (name === 'text') {
      el.textContent = String(value);
    } else if (name === 'value' && 'value' in el) {
      /** @type {any} */ (el).value = value;
    } else if (name === 'checked' || name === 'selected') {
      /** @type {any} */ (el)[name] = Boolean(value);
    } else {
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

/**
 * @param {Element | DocumentFragment} parent
 * @param {Children[]} children
 */
export function append(parent, children) {
  for (const child of children.flat(3)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/**
 * Replaces an element's children.
 * @param {Element} el
 * @param {...Children} children
 */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

let ids = 0;
/** A unique id for label/aria wiring. @param {string} prefix */
export function uid(prefix) {
  ids += 1;
  return `${prefix}-${ids}`;
}

/** Announces a message to screen readers and shows it in the status bar. @param {string} text @param {'info'|'error'} [kind] */
export function announce(text, kind = 'info') {
  const bar = document.getElementById('status');
  if (!bar) return;
  bar.className = `status ${kind}`;
  bar.textContent = text;
}

// One formatter: `toLocaleString` with options builds a new one per call,
// which was a tenth of a scroll frame's time in the users table.
const DATE_TIME = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** @param {string | null | undefined} iso */
export function when(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return DATE_TIME.format(d);
}

/**
 * A modal asking to confirm a destructive action; resolves true on confirm.
 * @param {string} title
 * @param {string} body
 * @param {string} action the confirm button's label
 * @returns {Promise<boolean>}
 */
export function confirmDialog(title, body, action) {
  return new Promise((resolve) => {
    const titleId = uid('dlg');
    const dialog = h('dialog', { 'aria-labelledby': titleId, class: 'dialog' },
      h('h2', { id: titleId, text: title }),
      h('p', { text: body }),
      h('form', { method: 'dialog', class: 'actions' },
        h('button', { type: 'submit', value: 'cancel', text: 'Cancel', autofocus: true }),
        h('button', { type: 'submit', value: 'confirm', class: 'danger', text: action })));
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'confirm');
      dialog.remove();
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/**
 * A modal holding `content`, closed by its Close button or Escape.
 * @param {string} title
 * @param {(close: () => void) => Children} content
 */
export function modal(title, content) {
  const titleId = uid('dlg');
  const dialog = h('dialog', { 'aria-labelledby': titleId, class: 'dialog' });
  const close = () => dialog.close();
  append(dialog, [
    h('div', { class: 'dialog-head' },
      h('h2', { id: titleId, text: title }),
      h('button', { type: 'button', class: 'ghost', 'aria-label': 'Close', onclick: close, text: '✕' })),
    content(close),
  ]);
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}
