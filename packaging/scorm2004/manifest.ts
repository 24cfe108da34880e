// imsmanifest.xml for SCORM 2004 4th Edition (IMS CP 1.1.4 + ADL CP/SN/Nav + IMS SS), one SCO.
//
// Sequencing, and why:
// - deliveryControls completionSetByContent/objectiveSetByContent="true": the content reports
//   completion and success itself. Without them LMSs such as SuccessFactors mark the SCO
//   completed (and satisfied) as soon as it is launched.
// - a primary objective with satisfiedByMeasure="false": success comes from
//   cmi.success_status, never from the score against a threshold.
// - the organization allows flow, so an LMS's Start request delivers the single SCO
//   directly; choice stays on (the defaults).
// - hideLMSUI continue/previous: there is nothing to move to in a one-SCO course.
import { escapeXml } from '../xml.ts'
import { manifestIdentifier, type ManifestInput } from '../manifest-input.ts'

/** The control documents this manifest references, with everything they import, shipped at the zip root. */
export const scorm2004SchemaFiles = [
  'imscp_v1p1.xsd', 'adlcp_v1p3.xsd', 'adlseq_v1p3.xsd', 'adlnav_v1p3.xsd',
  'imsss_v1p0.xsd', 'imsss_v1p0auxresource.xsd', 'imsss_v1p0control.xsd', 'imsss_v1p0delivery.xsd',
  'imsss_v1p0limit.xsd', 'imsss_v1p0objective.xsd', 'imsss_v1p0random.xsd', 'imsss_v1p0rollup.xsd',
  'imsss_v1p0seqrule.xsd', 'imsss_v1p0util.xsd',
  'xml.xsd', 'XMLSchema.dtd', 'datatypes.dtd'
] as const

export function scorm2004Manifest (input: ManifestInput): string {
  const title = escapeXml(input.title)
  const [launchFile] = input.resourceFiles
  const files = input.resourceFiles.map((href) => `      <file href="${escapeXml(href)}"/>`).join('\n')
  return `<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="${manifestIdentifier(input.packageId)}" version="${input.revision}"
          xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
          xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"
          xmlns:adlseq="http://www.adlnet.org/xsd/adlseq_v1p3"
          xmlns:adlnav="http://www.adlnet.org/xsd/adlnav_v1p3"
          xmlns:imsss="http://www.imsglobal.org/xsd/imsss"
          xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
          xsi:schemaLocation="http://www.imsglobal.org/xsd/imscp_v1p1 imscp_v1p1.xsd
                              http://www.adlnet.org/xsd/adlcp_v1p3 adlcp_v1p3.xsd
                              http://www.adlnet.org/xsd/adlseq_v1p3 adlseq_v1p3.xsd
                              http://www.adlnet.org/xsd/adlnav_v1p3 adlnav_v1p3.xsd
                              http://www.imsglobal.org/xsd/imsss imsss_v1p0.xsd">
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>2004 4th Edition</schemaversion>
  </metadata>
  <organizations default="ORG-MASTERY">
    <organization identifier="ORG-MASTERY">
      <title>${title}</title>
      <item identifier="ITEM-MASTERY" identifierref="RES-LAUNCHER">
        <title>${title}</title>
        <imsss:sequencing>
          <imsss:objectives>
            <imsss:primaryObjective objectiveID="PRIMARY-MASTERY" satisfiedByMeasure="false"/>
          </imsss:objectives>
          <imsss:deliveryControls completionSetByContent="true" objectiveSetByContent="true"/>
        </imsss:sequencing>
        <adlnav:presentation>
          <adlnav:navigationInterface>
            <adlnav:hideLMSUI>continue</adlnav:hideLMSUI>
            <adlnav:hideLMSUI>previous</adlnav:hideLMSUI>
          </adlnav:navigationInterface>
        </adlnav:presentation>
      </item>
      <imsss:sequencing>
        <imsss:controlMode choice="true" flow="true"/>
      </imsss:sequencing>
    </organization>
  </organizations>
  <resources>
    <resource identifier="RES-LAUNCHER" type="webcontent" adlcp:scormType="sco" href="${escapeXml(launchFile)}">
${files}
    </resource>
  </resources>
</manifest>
`
}
