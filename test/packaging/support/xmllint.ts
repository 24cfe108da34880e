// Validates manifests with Debian's xmllint (libxml2-utils) against the official XSDs in
// ../shared/specs beside the repository. CI provides both; when either is missing the
// tests that need them fail with this message rather than skip.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { resolve } from 'node:path'

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url))
export const specsDir = resolve(repoRoot, '../shared/specs')

/** The schemas our manifests are checked against, relative to specsDir. */
export const schemas = {
  scorm12Root: 'scorm12/adlcp_rootv1p2.xsd',
  scorm12Driver: 'scorm12/manifest-driver.xsd',
  scorm2004Driver: 'scorm2004-4th/manifest-driver.xsd'
} as const

/** Why validation cannot run here, or undefined when it can. */
export function validationToolsProblem (): string | undefined {
  const version = spawnSync('xmllint', ['--version'], { encoding: 'utf8' })
  if (version.error !== undefined || version.status !== 0) {
    return 'xmllint is not installed: install Debian\'s libxml2-utils (apt-get install -y libxml2-utils). Manifests must be validated against the official XSDs.'
  }
  const missing = Object.values(schemas).filter((schema) => !existsSync(resolve(specsDir, schema)))
  if (missing.length > 0) {
    return `The official SCORM schemas are missing from ${specsDir} (${missing.join(', ')}); the shared specs folder must sit beside the repository as ../shared/specs.`
  }
  return undefined
}

export interface Validation {
  readonly valid: boolean
  /** xmllint's messages, without the known harmless warning about SCORM 1.2's ims_xml.xsd. */
  readonly messages: string
}

/** Validates an XML document (given as text) against a schema, by default one under specsDir. */
export function validateXml (xml: string, schema: string, schemaDir: string = specsDir): Validation {
  const run = spawnSync('xmllint', ['--noout', '--nonet', '--schema', schema, '-'], { cwd: schemaDir, input: xml, encoding: 'utf8' })
  if (run.error !== undefined) throw run.error
  const messages = run.stderr
    .split('\n')
    .filter((line) => line !== '' && !/ims_xml\.xsd:1: namespace error|^filename=ims_xml\.xsd|^\s*\^$/.test(line))
    .join('\n')
  return { valid: run.status === 0, messages }
}

/** The string value of an XPath expression over the document, as xmllint computes it (without the newline xmllint prints after it). */
export function xpathString (xml: string, expression: string): string {
  const run = spawnSync('xmllint', ['--nonet', '--xpath', `string(${expression})`, '-'], { input: xml, encoding: 'utf8' })
  if (run.error !== undefined) throw run.error
  if (run.status !== 0) throw new Error(`xmllint --xpath failed: ${run.stderr}`)
  return run.stdout.replace(/\n$/, '')
}
