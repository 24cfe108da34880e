// Checks a build request before anything is rendered. The service validates its HTTP
// bodies and events already; this guards the builder itself, so a bad value fails the
// build with a precise message instead of producing a package no LMS accepts.
import type { PackageFormat, PackageInput } from './build-package.ts'

export class PackageInputError extends Error {
  override readonly name = 'PackageInputError'
  constructor (readonly problems: readonly string[]) {
    super(`Cannot build the package: ${problems.join('; ')}.`)
  }
}

/** IMS CP 1.1.2 (SCORM 1.2) allows titles of at most 200 characters; the service's titles are capped there too. */
export const maxTitleLength = 200

const formats: readonly PackageFormat[] = ['scorm12', 'scorm2004', 'aicc', 'cmi5', 'xapi']

export function checkPackageInput (input: PackageInput): void {
  const problems: string[] = []
  if (typeof input.packageId !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(input.packageId)) problems.push('packageId must be 1 to 64 letters, digits, "_" or "-"')
  if (!Number.isSafeInteger(input.revision) || input.revision < 1) problems.push('revision must be a positive integer')
  if (typeof input.title !== 'string' || input.title.length === 0) problems.push('title must not be empty')
  else if ([...input.title].length > maxTitleLength) problems.push(`title must be at most ${maxTitleLength} characters`)
  if (!formats.includes(input.format)) problems.push(`format must be one of ${formats.join(', ')}`)
  if (!isServiceUrl(input.serviceUrl)) problems.push('serviceUrl must be an absolute http(s) URL without a trailing slash, query or fragment')
  // The key goes into launch URLs: printable ASCII always percent-encodes (a lone surrogate would not).
  if (typeof input.launchKey !== 'string' || !/^[\x21-\x7E]{1,512}$/.test(input.launchKey)) problems.push('launchKey must be 1 to 512 printable ASCII characters, without spaces')
  if (problems.length > 0) throw new PackageInputError(problems)
}

function isServiceUrl (value: unknown): boolean {
  if (typeof value !== 'string' || !/^https?:\/\/[^?#\s]*[^/?#\s]$/.test(value)) return false
  try {
    const url = new URL(value)
    return url.username === '' && url.password === ''
  } catch {
    return false
  }
}
