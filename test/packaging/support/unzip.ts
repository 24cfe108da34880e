// Reads a built package back: entry names in zip order and their contents.
import JSZip from 'jszip'

export interface ZipEntry {
  readonly name: string
  readonly bytes: Buffer
  readonly text: string
  readonly date: Date
  readonly dir: boolean
  readonly unixPermissions: number | string | null
}

export async function unzip (bytes: Buffer): Promise<ZipEntry[]> {
  const zip = await JSZip.loadAsync(bytes, { checkCRC32: true })
  const entries: ZipEntry[] = []
  for (const file of Object.values(zip.files)) {
    const content = await file.async('nodebuffer')
    entries.push({ name: file.name, bytes: content, text: content.toString('utf8'), date: file.date, dir: file.dir, unixPermissions: file.unixPermissions })
  }
  return entries
}

export async function zipText (bytes: Buffer, name: string): Promise<string> {
  const entry = (await unzip(bytes)).find((e) => e.name === name)
  if (entry === undefined) throw new Error(`${name} is not in the zip`)
  return entry.text
}
