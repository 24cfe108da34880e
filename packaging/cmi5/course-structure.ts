// cmi5.xml of a dispatch package: one course with one AU whose url is the service's cmi5
// launch URL (absolute: no content is in the zip, cmi5 §14.1). The LMS merges its launch
// parameters (endpoint, fetch, actor, registration, activityId) into that URL's query
// (§13.1.4), and the service talks xAPI to the LMS's LRS.
//
// Why these attributes:
// - moveOn="CompletedAndPassed": at mastery the AU sends Completed and Passed (R15), and
//   only then is the AU satisfied.
// - masteryScore="1.0": R15 says mastered ⇔ passed, and the score is the progress
//   (mean of min(level, goal) ÷ goal), which reaches 1 exactly when every concept is at its
//   goal, i.e. at mastery. cmi5 requires the score of a Passed statement to be ≥ masteryScore
//   (§9.3.4): with 1.0, Passed carries 1.0 and nothing short of mastery can pass. The AU
//   never sends Failed; short of mastery it reports progress only.
// - launchMethod="AnyWindow": the service page runs in a frame or a window alike.
//
// The ids are the same for every revision, so LMS registrations survive a re-upload (R9).
// langstrings have no lang attribute: the title's language is unknown, and "" is not a
// valid xs:language. Every description carries the title (the package's own description
// is admin-only).
import { escapeXml } from '../xml.ts'

export interface Cmi5CourseInput {
  readonly serviceUrl: string
  readonly packageId: string
  readonly title: string
  /** The service's cmi5 launch URL with the package, revision and key. */
  readonly launchUrl: string
}

/** The course's IRI (the publisher id of the course). */
export function cmi5CourseIri (serviceUrl: string, packageId: string): string {
  return `${serviceUrl}/lms/cmi5/courses/${packageId}`
}

/** The AU's IRI (its publisher id, which the LMS puts in the statements' context). */
export function cmi5AuIri (serviceUrl: string, packageId: string): string {
  return `${cmi5CourseIri(serviceUrl, packageId)}/au`
}

const masteryScore = '1.0'

function langstring (text: string): string {
  return `<langstring>${escapeXml(text)}</langstring>`
}

export function cmi5CourseStructure (input: Cmi5CourseInput): string {
  const title = langstring(input.title)
  return `<?xml version="1.0" encoding="UTF-8"?>
<courseStructure xmlns="https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd">
  <course id="${escapeXml(cmi5CourseIri(input.serviceUrl, input.packageId))}">
    <title>${title}</title>
    <description>${title}</description>
  </course>
  <au id="${escapeXml(cmi5AuIri(input.serviceUrl, input.packageId))}" moveOn="CompletedAndPassed" masteryScore="${masteryScore}" launchMethod="AnyWindow">
    <title>${title}</title>
    <description>${title}</description>
    <url>${escapeXml(input.launchUrl)}</url>
  </au>
</courseStructure>
`
}
