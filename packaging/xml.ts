// Text that goes into the XML manifests. Titles are user input: escape all five XML
// special characters, and replace what XML 1.0 cannot carry at all (control characters,
// U+FFFE/U+FFFF, unpaired surrogates) with U+FFFD, so a manifest never stops parsing
// because of a title.

const forbiddenInXml = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g // eslint-disable-line no-control-regex

const entities: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#13;' }

/** Replaces characters XML 1.0 forbids (and lone surrogates) with U+FFFD. */
export function xmlSafeText (text: string): string {
  return text.replace(forbiddenInXml, '\uFFFD')
}

/**
 * Escapes text for an XML element or attribute value. `\r` is written as a character
 * reference because parsers would otherwise normalise it away.
 */
export function escapeXml (text: string): string {
  return xmlSafeText(text).replace(/[&<>"'\r]/g, (c) => entities[c] ?? c)
}
