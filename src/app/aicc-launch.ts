// An AICC launch (AICC CMI001, HACP): the LMS opens the AU's File_Name (our launch URL, with
// the package, revision and launch key) and appends aicc_sid and aicc_url. The service is the
// AU: it asks the LMS who the learner is with GetParam, server to server, and only then runs
// the same rules as every LMS launch (plan, toggle, link, assignment). The browser never
// tells us the learner's identity.
import { AppError } from '../errors.ts'
import type { AiccLessonStatus } from '../domain/lms/aicc.ts'
import { isHttpUrl } from '../domain/lms/xapi.ts'
import { addressRefused, HacpClient, HacpError, LmsAddressRefusedError, LmsUnreachableError, type HacpSession } from '../lms/aicc-hacp.ts'
import type { AppContext } from './context.ts'
import { launch, verifiedPackage } from './lms-sessions.ts'

export interface AiccLaunchInput {
  readonly packageId: string
  readonly revision: number
  readonly launchKey: string
  readonly aiccSid: string | undefined
  readonly aiccUrl: string | undefined
}

export type HacpClientFactory = (session: HacpSession) => Pick<HacpClient, 'getParam'>

export async function launchAicc (ctx: AppContext, input: AiccLaunchInput, client: HacpClientFactory = session => new HacpClient(session, { fetch: ctx.outboundFetch })) {
  // Verify the link before contacting anyone: a made-up launch URL never makes the service
  // call the address it carries.
  const pkg = await verifiedPackage(ctx, input.packageId, input.revision, input.launchKey)
  if (pkg.format !== 'aicc') throw new AppError('MS_ERR_AICC_LAUNCH_INVALID', 'This course package is not an AICC package. Ask your administrator to upload the AICC package to the LMS.')
  const session = hacpSession(input.aiccSid, input.aiccUrl)
  let facts
  try {
    facts = (await client(session).getParam()).facts
  } catch (error) {
    if (error instanceof HacpError) {
      throw new AppError('MS_ERR_LMS_REFUSED', `Your LMS did not accept this course session (error ${error.code}${error.errorText === '' ? '' : `: ${error.errorText}`}). Please launch the course from your LMS again.`)
    }
    if (error instanceof LmsAddressRefusedError) {
      throw addressRefused(error)
    }
    if (error instanceof LmsUnreachableError) {
      throw new AppError('MS_ERR_LMS_UNREACHABLE', 'The course could not reach your LMS to find out who you are. Please try again in a moment; if it keeps happening, tell your administrator.')
    }
    throw error
  }
  return launch(ctx, {
    packageId: pkg.packageId,
    revision: input.revision,
    launchKey: input.launchKey,
    standard: 'aicc',
    lmsUserId: facts.studentId,
    ...(facts.studentName === undefined ? {} : { lmsUserName: readableName(facts.studentName) }),
    ...(facts.lessonStatus === undefined ? {} : { lmsState: reportedState(facts.lessonStatus) }),
    aicc: session
  })
}

function hacpSession (aiccSid: string | undefined, aiccUrl: string | undefined): HacpSession {
  const sessionId = aiccSid?.trim() ?? ''
  const url = aiccUrl?.trim() ?? ''
  const valid = sessionId !== '' && sessionId.length <= 255 && url.length <= 2048 && isHttpUrl(url)
  if (!valid) throw new AppError('MS_ERR_AICC_LAUNCH_INVALID', 'This course was opened without a usable AICC session from the LMS (aicc_sid and aicc_url). Please launch it from your LMS.')
  return { url, sessionId }
}

/** AICC names are usually "Last, First": shown the other way round. */
function readableName (studentName: string): string {
  const [last, first, ...rest] = studentName.split(',').map(part => part.trim())
  return rest.length === 0 && first !== undefined && first !== '' && last !== undefined && last !== '' ? `${first} ${last}` : studentName
}

/** What the LMS says it holds, in the terms launch() compares (never downgrade a pass). */
function reportedState (status: AiccLessonStatus): { completionStatus?: string, successStatus?: string } {
  if (status === 'passed') return { completionStatus: 'completed', successStatus: 'passed' }
  if (status === 'failed') return { successStatus: 'failed' }
  if (status === 'completed') return { completionStatus: 'completed' }
  return { completionStatus: status }
}
