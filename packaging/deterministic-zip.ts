// Zips files so that the same files give the same bytes on any machine, in any timezone:
// the order is the order given, every entry has the same fixed date, DOS attributes only
// (no Unix owner/permission bits), one compression level, no comments.
//
// Speed: most of a package never changes (launcher.js, the XSDs), and deflating it is
// most of the work. So a package is made from a *template*: a zip of all its files, zipped
// once per process, with empty placeholders for the files of each build. jszip keeps the
// compressed bytes of a loaded entry and writes them out again as they are; a replaced
// entry keeps its place. A build then deflates only the few KB that are new.
import JSZip from 'jszip'

/**
 * 2020-01-01 00:00:00. jszip 3 writes the DOS date and time from the Date's *UTC* fields
 * (getUTCHours() and so on) and reads them back with Date.UTC, so the instant is fixed in
 * UTC: a Date built from local fields, like new Date(2020, 0, 1), would come out
 * differently in each timezone.
 */
export const fixedZipDate = new Date(Date.UTC(2020, 0, 1, 0, 0, 0))

export type ZipFiles = ReadonlyArray<readonly [name: string, content: Buffer]>

const entryOptions = { binary: true, date: fixedZipDate, createFolders: false, unixPermissions: null, dosPermissions: null } as const

function generate (zip: JSZip): Promise<Buffer> {
  return zip.generateAsync({
    type: 'nodebuffer',
    platform: 'DOS',
    compression: 'DEFLATE',
    compressionOptions: { level: 6 },
    streamFiles: false
  })
}

export async function deterministicZip (files: ZipFiles): Promise<Buffer> {
  const zip = new JSZip()
  for (const [name, content] of files) zip.file(name, content, entryOptions)
  return generate(zip)
}

/** A zip of `files` in which the entries named in `placeholders` are empty, to be filled by fillZipTemplate. */
export function zipTemplate (placeholders: readonly string[], files: ZipFiles): Promise<Buffer> {
  return deterministicZip([...placeholders.map((name) => [name, Buffer.alloc(0)] as const), ...files])
}

/** The template with its placeholders replaced; every other entry is copied without recompressing. */
export async function fillZipTemplate (template: Buffer, files: ZipFiles): Promise<Buffer> {
  const zip = await JSZip.loadAsync(template)
  for (const [name, content] of files) {
    // Only replace: a new name would go to the end, and the file order must stay fixed.
    if (zip.file(name) === null) throw new Error(`The zip template has no placeholder for ${name}.`)
    zip.file(name, content, entryOptions)
  }
  return generate(zip)
}
