/* global document */
// Small DOM helpers for the admin page: elements built with properties (never from HTML
// strings, so nothing the API returns can inject markup), fields with labels and hints,
// and the words for numbers, dates and durations.

import { h, hidden } from './elements.js'

export { h, hidden }

let ids = 0
/** A unique id for label/aria wiring, readable in the DOM inspector. */
export const uid = (name) => `${name}-${++ids}`

/** A labelled field; the hint is tied to the input with aria-describedby. */
export function field (label, input, hint) {
  if (input.id === '') input.id = uid('field')
  const hintId = hint === undefined ? undefined : `${input.id}-hint`
  const errorId = `${input.id}-error`
  input.setAttribute('aria-describedby', [hintId, errorId].filter(Boolean).join(' '))
  return h('div', { class: 'field' },
    h('label', { for: input.id, text: label }),
    hint === undefined ? null : h('p', { class: 'hint', id: hintId, text: hint }),
    input,
    h('p', { class: 'field-error', id: errorId }))
}

/** A checkbox with its label beside it and a hint below, tied with aria-describedby. */
export function checkField (label, input, hint) {
  if (input.id === '') input.id = uid('check')
  const hintId = `${input.id}-hint`
  input.setAttribute('aria-describedby', hintId)
  return h('div', { class: 'field check-field' },
    h('div', { class: 'check-line' }, input, h('label', { for: input.id, text: label })),
    h('p', { class: 'hint', id: hintId, text: hint }))
}

/** Marks a field's input as wrong, with the words next to it; null clears it. */
export function fieldError (input, message) {
  const error = document.getElementById(`${input.id}-error`)
  if (message === null) {
    input.removeAttribute('aria-invalid')
    if (error !== null) error.textContent = ''
    return
  }
  input.setAttribute('aria-invalid', 'true')
  if (error !== null) error.textContent = message
}

/** A table in a wrapper that scrolls sideways on a narrow window, reachable by keyboard. */
export function table (caption, headers, rows, { id } = {}) {
  const captionId = uid('caption')
  return h('div', { class: 'table-wrap', role: 'region', tabindex: '0', 'aria-labelledby': captionId },
    h('table', { id },
      h('caption', { id: captionId, text: caption }),
      h('thead', {}, h('tr', {}, headers.map(text => h('th', { scope: 'col', text })))),
      h('tbody', {}, rows.map(cells => h('tr', {}, cells.map((cell, i) => i === 0 ? h('th', { scope: 'row' }, cell) : h('td', {}, cell)))))))
}

/** Whole percent for people: never 100 % before mastery, which would read as done. */
export function percent (progress, mastered) {
  return mastered ? 100 : Math.min(99, Math.floor(progress * 100))
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })
export const when = (iso) => dateTime.format(new Date(iso))

export function duration (ms) {
  const minutes = Math.round(ms / 60_000)
  if (minutes < 1) return `${Math.round(ms / 1000)} s`
  if (minutes < 60) return `${minutes} min`
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`
}

export function bytes (n) {
  return n < 1024 ? `${n} bytes` : `${(n / 1024).toFixed(1)} KB`
}
