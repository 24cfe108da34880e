// The AICC course structure files (CMI001): four files with one base name, CR LF line
// ends, quoted table headers, one AU whose File_Name launches the service with the
// package, revision and encoded key. A title can never add a line, a section or a field.
import t from 'tap'
import { parse } from 'csv-parse/sync'
import { buildPackage, type PackageInput } from '../../../packaging/build-package.ts'
import { xmlSafeText } from '../../../packaging/xml.ts'
import { unzip } from '../support/unzip.ts'
import { describeTitle, hostileTitles } from '../support/titles.ts'

const input = (extra: Partial<PackageInput> = {}): PackageInput => ({
  packageId: 'pkg_Flags-1', revision: 7, title: 'International Flags', format: 'aicc', serviceUrl: 'https://mastery.example.com', launchKey: 'lk_a/b+c=d&e"f,g', ...extra
})

interface AiccFiles { crs: string, au: string, des: string, cst: string }

async function aiccFiles (extra: Partial<PackageInput> = {}): Promise<AiccFiles> {
  const entries = await unzip((await buildPackage(input(extra))).bytes)
  const text = (extension: string) => entries.find((e) => e.name.endsWith(`.${extension}`))?.text ?? ''
  return { crs: text('crs'), au: text('au'), des: text('des'), cst: text('cst') }
}

/** A table as an LMS reads it: strict CSV (RFC 4180) with CR LF records; a header row, then objects. */
function table (text: string): { header: string[], records: Array<Record<string, string>> } {
  const rows = parse(text, { record_delimiter: '\r\n' }) as string[][]
  const [header = [], ...data] = rows
  return { header, records: data.map((row) => Object.fromEntries(header.map((name, i) => [name, row[i] ?? '']))) }
}

/** A .crs as an LMS reads it: [Section] lines, Keyword=value lines (split at the first "="), and free text in [Course_Description]. */
function courseFile (text: string): Map<string, string[]> {
  const sections = new Map<string, string[]>()
  let lines: string[] = []
  for (const line of text.split('\r\n').slice(0, -1)) {
    const section = /^\[(\w+)\]$/.exec(line)
    if (section !== null) sections.set(section[1]!, lines = [])
    else lines.push(line)
  }
  return sections
}

const keywords = (lines: readonly string[]) => Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]))

/** The title as the AICC files carry it: cleaned like every title, each line break a space. */
const aiccTitle = (title: string) => xmlSafeText(title).replace(/\r\n|[\r\n]/g, ' ')

const auHeader = ['System_ID', 'Type', 'Command_Line', 'File_Name', 'Max_Score', 'Mastery_Score', 'Max_Time_Allowed', 'Time_Limit_Action', 'System_Vendor', 'Core_Vendor', 'Web_Launch', 'AU_Password']

t.test('four files with one base name, and nothing else', async (t) => {
  const entries = await unzip((await buildPackage(input())).bytes)
  t.same(entries.map((e) => e.name), ['mastery-pkg_Flags-1.crs', 'mastery-pkg_Flags-1.au', 'mastery-pkg_Flags-1.des', 'mastery-pkg_Flags-1.cst'], 'course, assignable units, descriptors, structure')
  for (const entry of entries) {
    t.ok(entry.text.endsWith('\r\n'), `${entry.name}: the last line is ended`)
    t.notMatch(entry.text.replaceAll('\r\n', ''), /[\r\n]/, `${entry.name}: every line ends with CR LF, and only there`)
  }
})

t.test('the course file (.crs)', async (t) => {
  const sections = courseFile((await aiccFiles()).crs)
  t.same([...sections.keys()], ['Course', 'Course_Behavior', 'Course_Description'], 'the three sections, in order')
  t.same(keywords(sections.get('Course') ?? []), {
    Course_Creator: 'mastery-sync',
    Course_ID: 'pkg_Flags-1',
    Course_System: 'mastery-sync',
    Course_Title: 'International Flags',
    Level: '1',
    Max_Fields_CST: '2',
    Total_AUs: '1',
    Total_Blocks: '0',
    Version: '4.0'
  }, 'every keyword CMI001 requires of [Course]')
  t.same(keywords(sections.get('Course_Behavior') ?? []), { Max_Normal: '1' })
  t.same(sections.get('Course_Description'), ['International Flags'], 'the description is the title, never the admin\'s description')
})

t.test('the assignable unit (.au) launches the service', async (t) => {
  const { au } = await aiccFiles()
  t.equal(au.split('\r\n')[0], auHeader.map((name) => `"${name}"`).join(','), 'the header: every column CMI001 defines, quoted')
  const { records } = table(au)
  t.equal(records.length, 1, 'one AU')
  const [unit] = records
  t.equal(unit?.System_ID, 'A1')
  t.equal(unit?.File_Name, 'https://mastery.example.com/lms/aicc/launch?package=pkg_Flags-1&revision=7&key=lk_a%2Fb%2Bc%3Dd%26e%22f%2Cg', 'File_Name: the service\'s AICC launch URL, the key percent-encoded')
  const url = new URL(unit?.File_Name ?? '')
  t.same(Object.fromEntries(url.searchParams), { package: 'pkg_Flags-1', revision: '7', key: 'lk_a/b+c=d&e"f,g' }, 'the service reads back the package, revision and key (aicc_sid and aicc_url come from the LMS)')
  t.equal(unit?.Mastery_Score, '', 'no mastery score: the LMS must not turn progress below it into "failed"')
  t.equal(unit?.Web_Launch, '', 'nothing else for the LMS to append')
})

t.test('the descriptor (.des) and the structure (.cst) name the same AU', async (t) => {
  const files = await aiccFiles()
  t.equal(files.des.split('\r\n')[0], '"System_ID","Developer_ID","Title","Description"', 'quoted header')
  t.equal(files.cst.split('\r\n')[0], '"block","member"', 'quoted header')
  const systemId = table(files.au).records[0]?.System_ID
  t.same(table(files.des).records, [{ System_ID: systemId, Developer_ID: 'pkg_Flags-1', Title: 'International Flags', Description: 'International Flags' }], 'the AU\'s title; its description is the title too')
  t.same(table(files.cst).records, [{ block: 'root', member: systemId }], 'the AU is the one member of the course (root)')
})

t.test('a new revision is the same course with a new launch URL', async (t) => {
  const first = await aiccFiles({ revision: 3, launchKey: 'lk_three' })
  const second = await aiccFiles({ revision: 4, launchKey: 'lk_four', title: 'Flags of the World' })
  t.equal(keywords(courseFile(second.crs).get('Course') ?? []).Course_ID, keywords(courseFile(first.crs).get('Course') ?? []).Course_ID, 'Course_ID')
  t.equal(table(second.au).records[0]?.System_ID, table(first.au).records[0]?.System_ID, 'System_ID')
  t.match(table(second.au).records[0]?.File_Name, /[?&]revision=4&key=lk_four$/)
})

// Titles aimed at the AICC files: CSV quotes and commas, and lines that would be sections or keywords of the .crs.
const aiccTitles = [
  'a","b',
  '"Quoted", with, commas,',
  'Flags\r\n[Course_Behavior]\r\nMax_Normal=99',
  'Title\n[Course]\nCourse_ID=other',
  '[DRAFT] Flags = maps; comments #',
  '""'
]

for (const title of [...hostileTitles, ...aiccTitles]) {
  t.test(`title ${describeTitle(title)}: every file keeps its lines and fields`, async (t) => {
    const files = await aiccFiles({ title })
    for (const [name, text, columns] of [['.au', files.au, 12], ['.des', files.des, 4], ['.cst', files.cst, 2]] as const) {
      const rows = parse(text, { record_delimiter: '\r\n' }) as string[][]
      t.same(rows.map((row) => row.length), [columns, columns], `${name}: a header and one record, ${columns} fields each`)
    }
    const des = table(files.des).records[0]
    t.equal(des?.Title, aiccTitle(title), '.des Title')
    t.equal(des?.Description, aiccTitle(title), '.des Description')
    const sections = courseFile(files.crs)
    t.same([...sections.keys()], ['Course', 'Course_Behavior', 'Course_Description'], '.crs: the same three sections')
    t.equal(sections.get('Course')?.length, 9, '.crs: nine keywords in [Course]')
    t.same(sections.get('Course_Behavior'), ['Max_Normal=1'], '.crs: [Course_Behavior] unchanged')
    t.equal(keywords(sections.get('Course') ?? []).Course_Title, aiccTitle(title), '.crs Course_Title')
    t.same(sections.get('Course_Description'), [aiccTitle(title)], '.crs: the description is one line')
  })
}
