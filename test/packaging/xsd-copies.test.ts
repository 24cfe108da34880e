// packaging/xsd holds copies of the official SCORM control documents, so the service does
// not depend on ../shared at run time. They must stay byte-identical to the specs.
import t from 'tap'
import { readdir, readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { specsDir, validationToolsProblem } from './support/xmllint.ts'

const problem = validationToolsProblem()
if (problem !== undefined) {
  t.fail(problem)
} else {
  const packagingXsd = fileURLToPath(new URL('../../packaging/xsd/', import.meta.url))
  for (const folder of ['scorm12', 'scorm2004-4th']) {
    t.test(folder, async (t) => {
      const names = (await readdir(resolve(packagingXsd, folder))).sort()
      t.ok(names.length > 0)
      for (const name of names) {
        const copy = await readFile(resolve(packagingXsd, folder, name))
        const official = await readFile(resolve(specsDir, folder, name))
        t.ok(copy.equals(official), `${folder}/${name}`)
      }
    })
  }
}
