// Escaping for the manifests (XML) and the launcher page (HTML and the JSON config).
import t from 'tap'
import fc from 'fast-check'
import { escapeXml, xmlSafeText } from '../../packaging/xml.ts'
import { escapeHtml, jsonForScript } from '../../packaging/html.ts'

t.test('escapeXml escapes the five XML specials and keeps carriage returns', async (t) => {
  t.equal(escapeXml(`a & b < c > d " e ' f`), 'a &amp; b &lt; c &gt; d &quot; e &apos; f')
  t.equal(escapeXml(']]>'), ']]&gt;')
  t.equal(escapeXml('&amp;'), '&amp;amp;', 'entities in titles are text, not markup')
  t.equal(escapeXml('a\r\nb'), 'a&#13;\nb')
  t.equal(escapeXml('🇨🇦 عربي \u202E'), '🇨🇦 عربي \u202E', 'other characters pass through')
})

t.test('characters XML 1.0 cannot carry become U+FFFD', async (t) => {
  t.equal(xmlSafeText('a\u0000b\u0001c\u0008d\u000Be\u000Cf\u001Fg\uFFFEh\uFFFF'), 'a\uFFFDb\uFFFDc\uFFFDd\uFFFDe\uFFFDf\uFFFDg\uFFFDh\uFFFD')
  t.equal(xmlSafeText('tab\tlf\ncr\r'), 'tab\tlf\ncr\r', 'tab, LF and CR are allowed')
  t.equal(xmlSafeText('lone \uD83D high, lone \uDE00 low, pair \uD83D\uDE00'), 'lone \uFFFD high, lone \uFFFD low, pair \uD83D\uDE00')
  t.equal(xmlSafeText('\uDE00\uD83D'), '\uFFFD\uFFFD', 'a reversed pair is two lone surrogates')
})

t.test('escapeHtml', async (t) => {
  t.equal(escapeHtml(`</title><script>alert('x')</script>`), '&lt;/title&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;')
  t.equal(escapeHtml('"&'), '&quot;&amp;')
  t.equal(escapeHtml('a\u0001'), 'a\uFFFD')
})

t.test('jsonForScript cannot close its script element and parses back unchanged', async (t) => {
  const hostile = '</script><script>alert(1)</script><!-- & \u2028 \u2029 >'
  const json = jsonForScript({ title: hostile })
  t.notMatch(json, /[<>&\u2028\u2029]/)
  t.match(json, /\\u003c\/script\\u003e/)
  t.same(JSON.parse(json), { title: hostile })
  fc.assert(fc.property(fc.string({ unit: 'binary' }), (text) => {
    const out = jsonForScript({ text })
    return !/[<>&\u2028\u2029]/.test(out) && JSON.parse(out).text === text
  }), { numRuns: 2000 })
  t.pass('any string: no <, >, &, U+2028/9, and a lossless round trip')
})

t.test('escaped XML and HTML never contain a raw < or an & that starts no entity', async (t) => {
  fc.assert(fc.property(fc.string({ unit: 'binary' }), (text) => {
    const ok = (out: string) => !/[<>"']/.test(out) && !/&(?!(amp|lt|gt|quot|apos|#39|#13);)/.test(out)
    return ok(escapeXml(text)) && ok(escapeHtml(text))
  }), { numRuns: 2000 })
  t.pass('2000 random strings')
})
