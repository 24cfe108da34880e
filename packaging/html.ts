// Text that goes into the launcher page (index.html). Titles are user input.
import { xmlSafeText } from './xml.ts'

const entities: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml (text: string): string {
  return xmlSafeText(text).replace(/[&<>"']/g, (c) => entities[c] ?? c)
}

const scriptUnsafe: Readonly<Record<string, string>> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029' }

/**
 * JSON for `<script type="application/json">`: `<`, `>` and `&` become \u escapes so no
 * value can close the script element or open a comment (`</script>`, `<!--`), and
 * U+2028/U+2029 are escaped for old parsers that treat them as line ends. JSON.parse
 * reads the result back unchanged.
 */
export function jsonForScript (value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => scriptUnsafe[c] ?? c)
}
