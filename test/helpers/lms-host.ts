// Browser tests against the preview LMS (src/preview/lms-host.ts), the same course page an
// admin sees with `npm run preview`: one host per package, closed at teardown, and readers
// for what the LMS page holds (scorm-again's data model and the calls it recorded).
import { mkdirSync } from 'node:fs'
import type { Test } from 'tap'
import type { Page } from 'playwright-core'
import { startLmsHost, type LmsHost } from '../../src/preview/lms-host.ts'

// Browser globals inside page.evaluate callbacks; module-scoped so the DOM lib stays out of the project.
declare const window: any

const artifactsDir = new URL('../../test-artifacts/scorm/', import.meta.url)

export async function startTestLmsHost (t: Test, zip: Buffer): Promise<LmsHost> {
  const host = await startLmsHost({ zip })
  t.teardown(() => host.close())
  return host
}

export interface ApiCall { call: string, args: string[], result: string, errorCode: string }

/** What the LMS page knows, as recorded by lms-runtime.js, and scorm-again's own data model. */
export interface LmsPageState {
  standard: 'scorm12' | 'scorm2004'
  learnerId: string
  launch: number
  initialized: boolean
  finished: boolean
  calls: ApiCall[]
  commits: { call: string, result: string, values: Record<string, string> }[]
  errors: { call: string, args: string[], code: string, message: string, diagnostic: string }[]
  log: { level: string, message: string }[]
  /** scorm-again's `cmi` object as JSON: write-only elements (session_time, exit) included. */
  cmi: any
  /** The error code scorm-again holds now (LMSGetLastError / GetLastError). */
  lastError: string
}

export async function readLms (page: Page): Promise<LmsPageState> {
  return page.evaluate(() => {
    const host = window.lmsHost
    const api = host.standard === 'scorm12' ? window.API : window.API_1484_11
    return {
      standard: host.standard,
      learnerId: host.learnerId,
      launch: host.launch,
      initialized: host.initialized,
      finished: host.finished,
      calls: host.calls,
      commits: host.commits,
      errors: host.errors,
      log: host.log,
      cmi: JSON.parse(JSON.stringify(api.cmi)),
      lastError: String(host.standard === 'scorm12' ? api.LMSGetLastError() : api.GetLastError())
    }
  })
}

/** Resolves once the course called LMSFinish/Terminate successfully. */
export async function waitForFinish (page: Page, timeoutMs = 10_000): Promise<void> {
  await page.waitForFunction(() => window.lmsHost?.finished === true, undefined, { timeout: timeoutMs })
}

/** The calls that write to the LMS: SetValue and Commit (1.2 and 2004 names). */
export function writes (calls: readonly ApiCall[]): ApiCall[] {
  return calls.filter(c => /^(LMS)?(SetValue|Commit)$/.test(c.call))
}

/** The calls that would report progress to the LMS: Commit, and SetValue of a status, score or progress measure. */
export function progressWrites (calls: readonly ApiCall[]): ApiCall[] {
  return writes(calls).filter(c => /Commit$/.test(c.call) || /(status|score|progress_measure)/.test(c.args[0] ?? ''))
}

/** Saves a full-page screenshot to test-artifacts/scorm/<name>.png for a person to look at. */
export async function screenshot (page: Page, name: string): Promise<void> {
  mkdirSync(artifactsDir, { recursive: true })
  await page.screenshot({ path: new URL(`${name}.png`, artifactsDir).pathname, fullPage: true })
}
