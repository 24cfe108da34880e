// What every package of a format shares: the launcher script, the XSD control documents,
// and a zip template holding them (see deterministic-zip.ts). Read from disk and zipped
// once per process; a build then renders only the manifest and index.html.
import { readFile } from 'node:fs/promises'
import { scorm12SchemaFiles } from './scorm12/manifest.ts'
import { scorm2004SchemaFiles } from './scorm2004/manifest.ts'
import { zipTemplate } from './deterministic-zip.ts'
import type { ScormFormat } from './build-package.ts'

/** The files rendered for each build, first in every zip, in this order. */
export const renderedFiles = ['imsmanifest.xml', 'index.html'] as const

export interface FormatAssets {
  /** The files every package of the format carries unchanged, in zip order: [name, bytes]. */
  readonly staticFiles: ReadonlyArray<readonly [string, Buffer]>
  /** renderedFiles as empty placeholders, then staticFiles. */
  readonly template: Buffer
}

export type PackageAssets = Readonly<Record<ScormFormat, FormatAssets>>

const here = new URL('./', import.meta.url)

/** launcher.js as the zip ships it: scorm-time.js, then launcher.js. Node tests load the same text. */
export async function launcherScriptSource (): Promise<string> {
  const [time, launcher] = await Promise.all([
    readFile(new URL('launcher/scorm-time.js', here), 'utf8'),
    readFile(new URL('launcher/launcher.js', here), 'utf8')
  ])
  return `${time}\n${launcher}`
}

async function readSchemas (folder: string, names: readonly string[]): Promise<Array<readonly [string, Buffer]>> {
  return Promise.all(names.map(async (name) => [name, await readFile(new URL(`xsd/${folder}/${name}`, here))] as const))
}

async function formatAssets (launcherScript: Buffer, schemas: ReadonlyArray<readonly [string, Buffer]>): Promise<FormatAssets> {
  const staticFiles = [['launcher.js', launcherScript] as const, ...schemas]
  return { staticFiles, template: await zipTemplate(renderedFiles, staticFiles) }
}

async function loadAssets (): Promise<PackageAssets> {
  const [source, scorm12, scorm2004] = await Promise.all([
    launcherScriptSource(),
    readSchemas('scorm12', scorm12SchemaFiles),
    readSchemas('scorm2004-4th', scorm2004SchemaFiles)
  ])
  const launcherScript = Buffer.from(source, 'utf8')
  return {
    scorm12: await formatAssets(launcherScript, scorm12),
    scorm2004: await formatAssets(launcherScript, scorm2004)
  }
}

let cached: Promise<PackageAssets> | undefined

/** The shared assets, loaded on first use and kept for the life of the process. */
export function packageAssets (): Promise<PackageAssets> {
  if (cached === undefined) {
    const loading = loadAssets()
    cached = loading
    // A failed load (say, a file missing from a broken deployment) is retried by the next build.
    loading.catch(() => { if (cached === loading) cached = undefined })
  }
  return cached
}
