// @ts-check
// Forms: labelled fields built from a spec, read back into API values, and
// the API's errors shown next to the field its `param` names.

import { h, uid } from './dom.js';
import { ApiError } from './api.js';

/**
 * @typedef {{name: string, label: string,
 *   type?: 'text'|'email'|'textarea'|'select'|'checkbox'|'json'|'checkboxes',
 *   options?: [string, string][], required?: boolean, nullable?: boolean,
 *   hint?: string, autocomplete?: string}} FieldSpec
 */

/** A field whose value could not be read (bad JSON). */
export class FieldError extends Error {
  /** @param {string} param @param {string} detail */
  constructor(param, detail) {
    super(detail);
    this.param = param;
  }
}

/**
 * One labelled field, with its hint and error slots wired by aria-describedby.
 * @param {FieldSpec} spec
 * @param {any} value
 */
export function field(spec, value) {
  const id = uid(`f-${spec.name}`);
  const errorId = `${id}-error`;
  const hintId = spec.hint ? `${id}-hint` : null;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ');
  const common = { id, name: spec.name, 'aria-describedby': describedBy, required: spec.required };
  let control;
  switch (spec.type) {
    case 'textarea':
      control = h('textarea', { ...common, rows: 3 }, value ?? '');
      break;
    case 'json':
      control = h('textarea', { ...common, rows: 8, class: 'mono', spellcheck: 'false' }, JSON.stringify(value ?? {}, null, 2));
      break;
    case 'select':
      control = h('select', common, (spec.options || []).map(([v, text]) => h('option', { value: v, text, selected: v === (value ?? '') })));
      break;
    case 'checkbox':
      return h('div', { class: 'field check', 'data-field': spec.name },
        h('input', { ...common, type: 'checkbox', checked: Boolean(value) }),
        h('label', { for: id, text: spec.label }),
        spec.hint ? h('p', { id: hintId, class: 'hint', text: spec.hint }) : null,
        h('p', { id: errorId, class: 'field-error', hidden: true }));
    case 'checkboxes': {
      const chosen = new Set(value || []);
      return h('fieldset', { class: 'field', 'data-field': spec.name, 'aria-describedby': describedBy },
        h('legend', { text: spec.label }),
        h('div', { class: 'choices' }, (spec.options || []).map(([v, text]) => {
          const optId = uid(`f-${spec.name}`);
          return h('span', { class: 'choice' },
            h('input', { type: 'checkbox', id: optId, name: spec.name, value: v, checked: chosen.has(v) }),
            h('label', { for: optId, text }));
        })),
        spec.hint ? h('p', { id: hintId, class: 'hint', text: spec.hint }) : null,
        h('p', { id: errorId, class: 'field-error', hidden: true }));
    }
    default:
      control = h('input', { ...common, type: spec.type || 'text', value: value ?? '', autocomplete: spec.autocomplete || 'off', spellcheck: 'false' });
  }
  return h('div', { class: 'field', 'data-field': spec.name },
    h('label', { for: id, text: spec.label + (spec.required ? ' (required)' : '') }),
    control,
    spec.hint ? h('p', { id: hintId, class: 'hint', text: spec.hint }) : null,
    h('p', { id: errorId, class: 'field-error', hidden: true }));
}

/**
 * The form's values as the API takes them.
 * @param {HTMLFormElement} form
 * @param {FieldSpec[]} specs
 * @returns {Record<string, any>}
 */
export function read(form, specs) {
  /** @type {Record<string, any>} */
  const out = {};
  for (const spec of specs) {
    if (spec.type === 'checkboxes') {
      out[spec.name] = [...form.querySelectorAll(`input[name="${spec.name}"]:checked`)].map((i) => /** @type {HTMLInputElement} */ (i).value);
      continue;
    }
    const el = /** @type {HTMLInputElement | null} */ (form.elements.namedItem(spec.name));
    if (!el) continue;
    if (spec.type === 'checkbox') {
      out[spec.name] = el.checked;
    } else if (spec.type === 'json') {
      const text = el.value.trim();
      if (!text) { out[spec.name] = {}; continue; }
      try {
        out[spec.name] = JSON.parse(text);
      } catch (e) {
        throw new FieldError(spec.name, `Not valid JSON: ${e instanceof Error ? e.message : e}`);
      }
      if (typeof out[spec.name] !== 'object' || out[spec.name] === null || Array.isArray(out[spec.name])) {
        throw new FieldError(spec.name, 'Custom attributes must be a JSON object, like {"plan": "pro"}.');
      }
    } else {
      const v = el.value;
      out[spec.name] = v === '' && spec.nullable ? null : v;
    }
  }
  return out;
}

/** @param {HTMLFormElement} form */
export function clearErrors(form) {
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  for (const el of form.querySelectorAll('.field-error')) { el.textContent = ''; /** @type {HTMLElement} */ (el).hidden = true; }
  const top = form.querySelector('.form-error');
  if (top) { top.textContent = ''; /** @type {HTMLElement} */ (top).hidden = true; }
}

/**
 * Shows an error: next to the field its `param` names (`attributes.plan`
 * and `zones[0]` name the fields `attributes` and `zones`), else at the
 * top of the form. Focuses what it shows.
 * @param {HTMLFormElement} form
 * @param {unknown} error
 */
export function showError(form, error) {
  clearErrors(form);
  const message = error instanceof Error ? error.message : String(error);
  const param = error instanceof ApiError || error instanceof FieldError ? error.param : null;
  const box = param ? fieldFor(form, param) : null;
  if (box) {
    const slot = /** @type {HTMLElement} */ (box.querySelector('.field-error'));
    slot.textContent = message;
    slot.hidden = false;
    const control = /** @type {HTMLElement | null} */ (box.querySelector('input, select, textarea'));
    control?.setAttribute('aria-invalid', 'true');
    control?.focus();
    return;
  }
  let top = /** @type {HTMLElement | null} */ (form.querySelector('.form-error'));
  if (!top) {
    top = h('p', { class: 'form-error', role: 'alert', tabindex: '-1' });
    form.prepend(top);
  }
  top.textContent = param ? `${message} (${param})` : message;
  top.hidden = false;
  top.focus();
}

/** @param {HTMLFormElement} form @param {string} param */
function fieldFor(form, param) {
  let name = param;
  for (;;) {
    const box = form.querySelector(`[data-field="${CSS.escape(name)}"]`);
    if (box) return box;
    const cut = Math.max(name.lastIndexOf('.'), name.lastIndexOf('['));
    if (cut <= 0) return null;
    name = name.slice(0, cut);
  }
}

/**
 * Runs `action` on submit with the button busy, showing any error.
 * @param {HTMLFormElement} form
 * @param {() => Promise<void>} action
 */
export function onSubmit(form, action) {
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const button = /** @type {HTMLButtonElement | null} */ (form.querySelector('button[type="submit"]'));
    if (button) button.disabled = true;
    form.setAttribute('aria-busy', 'true');
    try {
      clearErrors(form);
      await action();
    } catch (error) {
      if (!(error instanceof DOMException && error.name === 'AbortError')) showError(form, error);
    } finally {
      if (button) button.disabled = false;
      form.removeAttribute('aria-busy');
    }
  });
}
