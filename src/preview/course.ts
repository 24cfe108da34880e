// What the preview LMS needs to know about an uploaded package, read from its
// imsmanifest.xml the way an LMS's import does: the SCORM version (from schemaversion),
// the course title, and the launch file of the first SCO of the default organization.
import JSZip from 'jszip'

export type ScormStandard = 'scorm12' | 'scorm2004'

export interface Course {
  readonly standard: ScormStandard
  readonly title: string
  /** The SCO's launch file, a path inside the zip (e.g. "index.html"), with its query if any. */
  readonly launch: string
  /** Every file of the zip by path. */
  readonly files: ReadonlyMap<string, Buffer>
}

export class CourseError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'CourseError'
  }
}

/** Unzips a package in memory and reads its manifest; throws CourseError when it is not a SCORM 1.2/2004 package. */
export async function readCourse (zip: Buffer): Promise<Course> {
  let archive: JSZip
  try {
    archive = await JSZip.loadAsync(zip)
  } catch (error) {
    throw new CourseError(`The package is not a zip file (${error instanceof Error ? error.message : String(error)}).`)
  }
  const files = new Map<string, Buffer>()
  for (const entry of Object.values(archive.files)) {
    if (!entry.dir) files.set(entry.name, await entry.async('nodebuffer'))
  }
  const manifest = files.get('imsmanifest.xml')
  if (manifest === undefined) throw new CourseError('The package has no imsmanifest.xml at its root: it is not a SCORM package.')
  const course = readManifest(manifest.toString('utf8'))
  const launchFile = course.launch.split('?')[0] ?? ''
  if (!files.has(launchFile)) throw new CourseError(`The manifest launches "${course.launch}", which is not in the package.`)
  return { ...course, files }
}

/** The standard, title and launch file named by a manifest's text. */
export function readManifest (xml: string): Omit<Course, 'files'> {
  const version = textOf(xml, 'schemaversion')
  if (version === undefined) throw new CourseError('The manifest has no <schemaversion>: the SCORM version is unknown.')
  const standard = standardOf(version)
  if (standard === undefined) throw new CourseError(`The manifest's schemaversion "${version}" is neither SCORM 1.2 nor SCORM 2004.`)

  const organizations = elements(xml, 'organization')
  const defaultId = attribute(/<(?:\w+:)?organizations\b[^>]*>/.exec(xml)?.[0] ?? '', 'default')
  const organization = organizations.find(o => attribute(o.start, 'identifier') === defaultId) ?? organizations[0]
  if (organization === undefined) throw new CourseError('The manifest has no <organization>.')
  const title = textOf(organization.body, 'title') ?? 'Untitled course'

  const resources = elements(xml, 'resource')
  const items = [...organization.body.matchAll(/<(?:\w+:)?item\b[^>]*>/g)].map(m => m[0])
  for (const item of items) {
    const ref = attribute(item, 'identifierref')
    const resource = resources.find(r => attribute(r.start, 'identifier') === ref)
    const href = resource === undefined ? undefined : attribute(resource.start, 'href')
    if (href === undefined || href === '') continue
    const parameters = attribute(item, 'parameters') ?? ''
    const launch = parameters === '' ? href : `${href}${href.includes('?') || parameters.startsWith('?') ? '' : '?'}${parameters}`
    return { standard, title, launch }
  }
  throw new CourseError('No item of the manifest\'s organization refers to a resource with an href: nothing to launch.')
}

function standardOf (version: string): ScormStandard | undefined {
  if (version === '1.2') return 'scorm12'
  // "2004 3rd Edition", "2004 4th Edition", and "CAM 1.3" (SCORM 2004 2nd edition).
  if (/^(2004\b|CAM 1\.3$)/.test(version)) return 'scorm2004'
  return undefined
}

/** `<name …>body</name>` elements, namespace prefix or not (not nested in themselves). */
function elements (xml: string, name: string): { start: string, body: string }[] {
  const pattern = new RegExp(`(<(?:\\w+:)?${name}\\b[^>]*?)(/>|>([\\s\\S]*?)</(?:\\w+:)?${name}>)`, 'g')
  return [...xml.matchAll(pattern)].map(m => ({ start: m[1] ?? '', body: m[3] ?? '' }))
}

function textOf (xml: string, name: string): string | undefined {
  const match = new RegExp(`<(?:\\w+:)?${name}\\b[^>]*>([\\s\\S]*?)</(?:\\w+:)?${name}>`).exec(xml)
  return match?.[1] === undefined ? undefined : decodeXml(match[1].trim())
}

function attribute (tag: string, name: string): string | undefined {
  const match = new RegExp(`\\s(?:\\w+:)?${name}\\s*=\\s*("([^"]*)"|'([^']*)')`).exec(tag)
  if (match === null) return undefined
  return decodeXml(match[2] ?? match[3] ?? '')
}

function decodeXml (text: string): string {
  return text
    .replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, '$1')
    .replace(/&#x([0-9a-f]+);/gi, (_m, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_m, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, '\'').replace(/&amp;/g, '&')
}
