// imsmanifest.xml for SCORM 1.2 (IMS CP 1.1.2 + ADL CP extensions), one SCO.
// No adlcp:masteryscore: the content sets cmi.core.lesson_status itself, and a mastery
// score would let the LMS override it from the raw score.
import { escapeXml } from '../xml.ts'
import { manifestIdentifier, type ManifestInput } from '../manifest-input.ts'

/** The control documents this manifest references, shipped at the zip root (ADL's conformance test looks for them). */
export const scorm12SchemaFiles = ['imscp_rootv1p1p2.xsd', 'imsmd_rootv1p2p1.xsd', 'adlcp_rootv1p2.xsd', 'ims_xml.xsd'] as const

export function scorm12Manifest (input: ManifestInput): string {
  const title = escapeXml(input.title)
  const [launchFile] = input.resourceFiles
  const files = input.resourceFiles.map((href) => `      <file href="${escapeXml(href)}"/>`).join('\n')
  return `<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="${manifestIdentifier(input.packageId)}" version="${input.revision}"
          xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
          xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"
          xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
          xsi:schemaLocation="http://www.imsproject.org/xsd/imscp_rootv1p1p2 imscp_rootv1p1p2.xsd
                              http://www.imsglobal.org/xsd/imsmd_rootv1p2p1 imsmd_rootv1p2p1.xsd
                              http://www.adlnet.org/xsd/adlcp_rootv1p2 adlcp_rootv1p2.xsd">
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>1.2</schemaversion>
  </metadata>
  <organizations default="ORG-MASTERY">
    <organization identifier="ORG-MASTERY">
      <title>${title}</title>
      <item identifier="ITEM-MASTERY" identifierref="RES-LAUNCHER" isvisible="true">
        <title>${title}</title>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="RES-LAUNCHER" type="webcontent" adlcp:scormtype="sco" href="${escapeXml(launchFile)}">
${files}
    </resource>
  </resources>
</manifest>
`
}
