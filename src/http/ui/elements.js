/* global document */
// Building elements for the learner's player and the admin page: from properties, never from
// HTML strings, so nothing the API returns can inject markup.

/** h('button', { class: 'primary', onclick: f }, 'Save'): text goes in as text, children nest in arrays. */
export function h (tag, props = {}, ...children) {
  const element = document.createElement(tag)
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue
    if (key === 'class') element.className = value
    else if (key === 'text') element.textContent = value
    else if (key.startsWith('on')) element.addEventListener(key.slice(2), value)
    else element.setAttribute(key, value === true ? '' : String(value))
  }
  for (const child of children.flat(Infinity)) {
    if (child !== null && child !== undefined && child !== false) element.append(child)
  }
  return element
}

/** Words for screen readers only (the .visually-hidden rule of base.css). */
export const hidden = (text) => h('span', { class: 'visually-hidden', text })
