// Titles that try to break out of every context a title is written into.
export const hostileTitles: readonly string[] = [
  'International Flags',
  '</title><script>alert(1)</script>',
  ']]><!-- <![CDATA[ -->',
  '"\'&<>',
  '&amp; &lt; &#x3C; &#60; &nbsp;',
  '</script><!--<script>',
  'Flags 🇨🇦🇫🇷 and emoji 🎌 ✔︎',
  'RTL \u202Eoverride\u202C and \u2067isolate\u2069',
  'Line\u2028separator\u2029paragraph',
  'Tab\tnew\nline\r\nreturn',
  'Control \u0001\u0008\u001F chars and \uFFFF',
  'Lone \uD83D surrogate',
  'عنوان عربي',
  'Crème brûlée, Ærøskøbing, İstanbul',
  'x'.repeat(200),
  '🎌'.repeat(200),
  ' '
]

/** A test name for a title: its first 40 characters, ASCII only (TAP output must not carry line separators or bidi controls). */
export function describeTitle (title: string): string {
  const short = title.length > 40 ? `${title.slice(0, 40)}…` : title
  return JSON.stringify(short).replace(/[^\x20-\x7E]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}
