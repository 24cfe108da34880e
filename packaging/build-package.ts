// Builds the dispatch package of one package revision: a zip that launches the live
// content on our service and reports back to the LMS. Per format (R3):
//
//   scorm12, scorm2004   imsmanifest.xml, index.html (the launcher page), launcher.js and
//                        the control documents the manifest references
//   aicc                 the four CMI001 course structure files (.crs, .au, .des, .cst)
//   cmi5                 cmi5.xml
//   xapi                 tincan.xml
//
// SCORM content runs in the LMS's browser window (the launcher finds the SCORM API). The
// other formats have nothing to run there: the LMS launches the service's URL directly
// and the service reports to the LMS server to server (HACP, or xAPI to the LMS's LRS).
//
// The description of a package is admin-only and never goes into the zip. Builds are
// deterministic: the same input gives the same bytes (and checksum) on any machine.
import { createHash } from 'node:crypto'
import { aiccCourseFiles } from './aicc/course-files.ts'
import { packageAssets } from './assets.ts'
import { cmi5CourseStructure } from './cmi5/course-structure.ts'
import { deterministicZip, fillZipTemplate, type ZipFiles } from './deterministic-zip.ts'
import { packageFileName } from './file-name.ts'
import { launcherPage } from './launcher/launcher-page.ts'
import { checkPackageInput } from './package-input.ts'
import { scorm12Manifest } from './scorm12/manifest.ts'
import { scorm2004Manifest } from './scorm2004/manifest.ts'
import { tincanXml } from './xapi/tincan-xml.ts'
import { xmlSafeText } from './xml.ts'

export type ScormFormat = 'scorm12' | 'scorm2004'
/** The formats whose package only points the LMS at a launch URL of the service. */
export type LaunchUrlFormat = 'aicc' | 'cmi5' | 'xapi'
export type PackageFormat = ScormFormat | LaunchUrlFormat

export interface PackageInput {
  readonly packageId: string
  readonly revision: number
  /** The LMS course title and the browser tab's title (R3). At most 200 characters. */
  readonly title: string
  readonly format: PackageFormat
  /** Where the package launches, e.g. https://mastery.example.com (no trailing slash). */
  readonly serviceUrl: string
  /** Proves to the service that a launch comes from a package it issued. */
  readonly launchKey: string
}

export interface BuiltPackage {
  readonly bytes: Buffer
  /** sha256 of bytes, hex */
  readonly checksum: string
  /** e.g. international-flags-scorm2004-r3.zip */
  readonly fileName: string
}

export { PackageInputError } from './package-input.ts'

/** The SCO's files as the manifest lists them; the launch page comes first. */
const scoFiles = ['index.html', 'launcher.js'] as const

function isScormFormat (format: PackageFormat): format is ScormFormat {
  return format === 'scorm12' || format === 'scorm2004'
}

async function scormZip (input: PackageInput, format: ScormFormat, title: string): Promise<Buffer> {
  const assets = await packageAssets()
  const manifestInput = { packageId: input.packageId, revision: input.revision, title, resourceFiles: scoFiles }
  const manifest = format === 'scorm12' ? scorm12Manifest(manifestInput) : scorm2004Manifest(manifestInput)
  const page = launcherPage({
    serviceUrl: input.serviceUrl,
    packageId: input.packageId,
    revision: input.revision,
    launchKey: input.launchKey,
    standard: format,
    title
  })
  // The order of renderedFiles; launcher.js and the XSDs follow from the template.
  return fillZipTemplate(assets[format].template, [
    ['imsmanifest.xml', Buffer.from(manifest, 'utf8')],
    ['index.html', Buffer.from(page, 'utf8')]
  ])
}

/**
 * Where the LMS launches a package of the format: a route of the service per format, with
 * the package, the revision and the launch key in the query (each value percent-encoded).
 * The LMS adds its own parameters (aicc_sid and aicc_url; the cmi5 and xAPI launch
 * parameters), none of which has these names.
 */
function serviceLaunchUrl (input: PackageInput, format: LaunchUrlFormat): string {
  const params: ReadonlyArray<readonly [string, string]> = [['package', input.packageId], ['revision', String(input.revision)], ['key', input.launchKey]]
  const query = params.map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join('&')
  return `${input.serviceUrl}/lms/${format}/launch?${query}`
}

function launchUrlTexts (format: LaunchUrlFormat, input: { serviceUrl: string, packageId: string, title: string, launchUrl: string }): ReadonlyArray<readonly [string, string]> {
  switch (format) {
    case 'aicc': return aiccCourseFiles(input)
    case 'cmi5': return [['cmi5.xml', cmi5CourseStructure(input)]]
    case 'xapi': return [['tincan.xml', tincanXml(input)]]
    default: {
      const unknown: never = format
      throw new Error(`No files for the format ${String(unknown)}.`)
    }
  }
}

function launchUrlFiles (input: PackageInput, format: LaunchUrlFormat, title: string): ZipFiles {
  const texts = launchUrlTexts(format, { serviceUrl: input.serviceUrl, packageId: input.packageId, title, launchUrl: serviceLaunchUrl(input, format) })
  return texts.map(([name, text]) => [name, Buffer.from(text, 'utf8')] as const)
}

export async function buildPackage (input: PackageInput): Promise<BuiltPackage> {
  checkPackageInput(input)
  // One cleaned title everywhere: characters XML cannot carry become U+FFFD.
  const title = xmlSafeText(input.title)
  const { format } = input
  // A SCORM zip is filled into its format's template (the launcher and XSDs are deflated
  // once per process); the other formats are a few small files, zipped as they are.
  const bytes = isScormFormat(format) ? await scormZip(input, format, title) : await deterministicZip(launchUrlFiles(input, format, title))
  return {
    bytes,
    checksum: createHash('sha256').update(bytes).digest('hex'),
    fileName: packageFileName(title, format, input.revision)
  }
}
