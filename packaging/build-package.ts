// Builds the SCORM 1.2 / SCORM 2004 4th edition dispatch package of one package revision:
// a zip that launches the live content on our service and reports back to the LMS.
//
//   imsmanifest.xml   the course for the LMS (title, one SCO, sequencing for 2004)
//   index.html        the SCO: the launcher page with its configuration
//   launcher.js       finds the SCORM API, frames the player, writes results
//   *.xsd, *.dtd      the control documents the manifest references
//
// The description of a package is admin-only and never goes into the zip. Builds are
// deterministic: the same input gives the same bytes (and checksum) on any machine.
import { createHash } from 'node:crypto'
import { packageAssets } from './assets.ts'
import { fillZipTemplate } from './deterministic-zip.ts'
import { packageFileName } from './file-name.ts'
import { launcherPage } from './launcher/launcher-page.ts'
import { checkPackageInput } from './package-input.ts'
import { scorm12Manifest } from './scorm12/manifest.ts'
import { scorm2004Manifest } from './scorm2004/manifest.ts'
import { xmlSafeText } from './xml.ts'

export type ScormFormat = 'scorm12' | 'scorm2004'

export interface PackageInput {
  readonly packageId: string
  readonly revision: number
  /** The LMS course title and the browser tab's title (R3). At most 200 characters. */
  readonly title: string
  readonly format: ScormFormat
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

export async function buildPackage (input: PackageInput): Promise<BuiltPackage> {
  checkPackageInput(input)
  const assets = await packageAssets()
  // One cleaned title everywhere: characters XML cannot carry become U+FFFD.
  const title = xmlSafeText(input.title)
  const manifestInput = { packageId: input.packageId, revision: input.revision, title, resourceFiles: scoFiles }
  const manifest = input.format === 'scorm12' ? scorm12Manifest(manifestInput) : scorm2004Manifest(manifestInput)
  const page = launcherPage({
    serviceUrl: input.serviceUrl,
    packageId: input.packageId,
    revision: input.revision,
    launchKey: input.launchKey,
    standard: input.format,
    title
  })
  // The order of renderedFiles; launcher.js and the XSDs follow from the template.
  const bytes = await fillZipTemplate(assets[input.format].template, [
    ['imsmanifest.xml', Buffer.from(manifest, 'utf8')],
    ['index.html', Buffer.from(page, 'utf8')]
  ])
  return {
    bytes,
    checksum: createHash('sha256').update(bytes).digest('hex'),
    fileName: packageFileName(title, input.format, input.revision)
  }
}
