// The AICC course structure files (CMI001 v4, level 1) of a dispatch package: one course
// with one assignable unit (AU) whose File_Name is the service's AICC launch URL. The LMS
// launches it with aicc_sid and aicc_url appended and the AU talks HACP to the LMS from
// the service; nothing in the files runs in the browser.
//
//   <base>.crs  the course: [Course], [Course_Behavior], [Course_Description]
//   <base>.au   the AU and how to launch it
//   <base>.des  the AU's title and description
//   <base>.cst  the structure: the AU is the only member of the root block
//
// All four share one base name: LMSs pair the files by it.
import { crlfLines, csvTable, singleLine } from './text.ts'

export interface AiccCourseInput {
  readonly packageId: string
  /** The course and AU title; also its public description (the package's own description is admin-only). */
  readonly title: string
  /** Where the LMS launches the AU: the service's AICC launch URL with the package, revision and key. */
  readonly launchUrl: string
}

/** CMI001 names AUs by a System_ID of "A" and a number; "root" is the course itself. */
const auSystemId = 'A1'

/**
 * The base name of the four files. It carries the package id, so files of different
 * packages stay apart when an LMS asks for them one by one instead of as a zip.
 */
function baseName (packageId: string): string {
  return `mastery-${packageId}`
}

const creator = 'mastery-sync'

function courseFile (input: AiccCourseInput): string {
  const title = singleLine(input.title)
  return crlfLines([
    '[Course]',
    `Course_Creator=${creator}`,
    // The same id for every revision: a re-uploaded revision is the same course (R9).
    `Course_ID=${input.packageId}`,
    `Course_System=${creator}`,
    `Course_Title=${title}`,
    // Level 1: launch and HACP only, no prerequisites (.pre), objectives (.ort) or completion rules (.cmp).
    'Level=1',
    // A .cst record has at most two fields: the block and its one member.
    'Max_Fields_CST=2',
    'Total_AUs=1',
    // "root" is the course, not a block: there is no block record in the .des.
    'Total_Blocks=0',
    'Version=4.0',
    '[Course_Behavior]',
    'Max_Normal=1',
    // Free text to the end of the file (CMI001): to a reader that follows it, even a title
    // like "[Intro]" is the description, not a new group.
    '[Course_Description]',
    title
  ])
}

// Mastery_Score and Max_Score stay empty on purpose. With a mastery score, CMI001 lets the
// LMS set passed or failed by comparing the reported score with it; our AU reports progress
// as the score, so a learner on the way to mastery would read "failed" where R15 says
// "incomplete". The AU sets lesson_status itself (as the SCORM 1.2 manifest, which has no
// masteryscore either). No time limit, vendor data, Web_Launch parameters or password:
// everything the launch needs is in File_Name. The columns are all those CMI001 defines,
// in the order AICC files usually have (readers go by the header, not the position).
const auHeader = ['System_ID', 'Type', 'Command_Line', 'File_Name', 'Max_Score', 'Mastery_Score', 'Max_Time_Allowed', 'Time_Limit_Action', 'System_Vendor', 'Core_Vendor', 'Web_Launch', 'AU_Password'] as const

function auFile (input: AiccCourseInput): string {
  const fields: Record<typeof auHeader[number], string> = {
    System_ID: auSystemId,
    Type: '',
    Command_Line: '',
    File_Name: input.launchUrl,
    Max_Score: '',
    Mastery_Score: '',
    Max_Time_Allowed: '',
    Time_Limit_Action: '',
    System_Vendor: '',
    Core_Vendor: '',
    Web_Launch: '',
    AU_Password: ''
  }
  return csvTable(auHeader, [auHeader.map((column) => fields[column])])
}

function descriptorFile (input: AiccCourseInput): string {
  return csvTable(['System_ID', 'Developer_ID', 'Title', 'Description'], [[auSystemId, input.packageId, input.title, input.title]])
}

function structureFile (): string {
  return csvTable(['block', 'member'], [['root', auSystemId]])
}

/** The four files, [name, text], in zip order. */
export function aiccCourseFiles (input: AiccCourseInput): Array<readonly [string, string]> {
  const base = baseName(input.packageId)
  return [
    [`${base}.crs`, courseFile(input)],
    [`${base}.au`, auFile(input)],
    [`${base}.des`, descriptorFile(input)],
    [`${base}.cst`, structureFile()]
  ]
}
