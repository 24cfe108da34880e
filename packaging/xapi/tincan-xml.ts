// tincan.xml of a dispatch package: one activity of type course whose launch is the
// service's xAPI launch URL. Rustici's launch guidelines (the de facto Tin Can packaging
// spec) allow an absolute launch URL; the LMS appends endpoint, auth, actor, registration
// and activity_id to it, and the service records to the LMS's LRS.
//
// The activity id is the same for every revision, so the LRS's records of a package
// survive a re-upload (R9). No lang attributes: the title's language is unknown, and
// the guidelines say to leave the language out then ("" is not a valid xs:language).
// The description, which tincan.xsd requires, carries the title (the package's own
// description is admin-only).
import { escapeXml } from '../xml.ts'

export interface TincanInput {
  readonly serviceUrl: string
  readonly packageId: string
  readonly title: string
  /** The service's xAPI launch URL with the package, revision and key. */
  readonly launchUrl: string
}

const courseActivityType = 'http://adlnet.gov/expapi/activities/course'

/** The activity's IRI: the object of the statements the service records. */
export function xapiActivityIri (serviceUrl: string, packageId: string): string {
  return `${serviceUrl}/lms/xapi/activities/${packageId}`
}

export function tincanXml (input: TincanInput): string {
  const title = escapeXml(input.title)
  return `<?xml version="1.0" encoding="UTF-8"?>
<tincan xmlns="http://projecttincan.com/tincan.xsd">
  <activities>
    <activity id="${escapeXml(xapiActivityIri(input.serviceUrl, input.packageId))}" type="${courseActivityType}">
      <name>${title}</name>
      <description>${title}</description>
      <launch>${escapeXml(input.launchUrl)}</launch>
    </activity>
  </activities>
</tincan>
`
}
