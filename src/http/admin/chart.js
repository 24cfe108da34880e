/* global document */
// Progress over time as an inline SVG line chart (no chart library), with the same numbers in
// a table beside it: the table is the text alternative, and what a screen reader reads.
import { h, table, uid } from './dom.js'

const svgNs = 'http://www.w3.org/2000/svg'
const width = 640
const height = 260
const pad = { left: 72, right: 16, top: 20, bottom: 44 }

function s (tag, attributes = {}, ...children) {
  const element = document.createElementNS(svgNs, tag)
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value))
  for (const child of children) element.append(child)
  return element
}

/** Labels for instants that fit the span: times of day within a day, dates beyond. */
function timeLabel (spanMs) {
  const format = spanMs < 24 * 3600_000
    ? new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: spanMs < 600_000 ? '2-digit' : undefined })
    : new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' })
  return (at) => format.format(new Date(at))
}

/**
 * points: [{ at: epoch ms, percent: 0..100, mastered: boolean }], oldest first (at least two).
 * Returns a figure: the chart, and the table with the same points.
 */
export function progressChart (points, { title }) {
  const first = points[0].at
  const last = points[points.length - 1].at
  const span = Math.max(1, last - first)
  const label = timeLabel(span)
  const x = (at) => pad.left + (at - first) / span * (width - pad.left - pad.right)
  const y = (p) => pad.top + (1 - p / 100) * (height - pad.top - pad.bottom)

  const titleId = uid('chart-title')
  const descId = uid('chart-desc')
  const start = points[0].percent
  const end = points[points.length - 1].percent
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': `${titleId} ${descId}`, class: 'chart', preserveAspectRatio: 'xMidYMid meet' },
    s('title', { id: titleId }, title),
    s('desc', { id: descId }, `Progress went from ${start}% to ${end}% between ${label(first)} and ${label(last)}. The table below lists every point.`))

  for (const p of [0, 25, 50, 75, 100]) {
    svg.append(s('line', { x1: pad.left, x2: width - pad.right, y1: y(p), y2: y(p), class: p === 100 ? 'grid goal' : 'grid' }))
    svg.append(s('text', { x: pad.left - 8, y: y(p) + 4, 'text-anchor': 'end', class: 'tick' }, `${p}%`))
  }
  const ticks = [first, first + span / 2, last]
  ticks.forEach((at, i) => {
    svg.append(s('text', { x: x(at), y: height - pad.bottom + 20, 'text-anchor': i === 0 ? 'start' : i === 2 ? 'end' : 'middle', class: 'tick' }, label(at)))
  })
  svg.append(s('polyline', { points: points.map(p => `${x(p.at).toFixed(1)},${y(p.percent).toFixed(1)}`).join(' '), class: 'line' }))
  for (const p of points) {
    // Mastered points are drawn as squares, so the difference is not in colour alone.
    const dot = p.mastered
      ? s('rect', { x: x(p.at) - 5, y: y(p.percent) - 5, width: 10, height: 10, class: 'dot mastered' })
      : s('circle', { cx: x(p.at), cy: y(p.percent), r: 4, class: 'dot' })
    svg.append(dot)
  }

  const rows = points.map(p => [new Date(p.at).toLocaleString(), `${p.percent}%`, p.mastered ? 'Yes' : 'Not yet'])
  return h('figure', { class: 'chart-figure' },
    h('figcaption', { text: title }),
    svg,
    h('p', { class: 'hint', text: 'Circles: progress at that time. Squares: mastered. The top line is the goal.' }),
    table(`${title}, as a table`, ['When', 'Progress', 'Mastered'], rows))
}
