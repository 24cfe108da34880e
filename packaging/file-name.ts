// The name the admin downloads, e.g. international-flags-scorm2004-r3.zip: readable in any
// file system and any LMS upload form, so plain ASCII only.
import type { PackageFormat } from './build-package.ts'

const maxSlugLength = 60

/** An ASCII slug of the title: accents dropped, everything else that is not a letter or digit becomes '-'. */
export function titleSlug (title: string): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
  if (slug.length <= maxSlugLength) return slug
  const cut = slug.slice(0, maxSlugLength)
  const lastHyphen = cut.lastIndexOf('-')
  // Cut at a word boundary when there is one in the second half.
  return (lastHyphen > maxSlugLength / 2 ? cut.slice(0, lastHyphen) : cut).replace(/-+$/, '')
}

export function packageFileName (title: string, format: PackageFormat, revision: number): string {
  return `${titleSlug(title) || 'package'}-${format}-r${revision}.zip`
}
