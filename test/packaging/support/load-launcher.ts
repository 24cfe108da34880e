// Loads the browser scripts of the package in Node, as the zip ships them, so tests can
// call their pure parts and drive createLauncher with fakes. The scripts end with
// `if (typeof module === 'object' && ...) module.exports = ...`; here they run inside a
// function that provides `module`, in this realm (so tap compares their objects plainly).
import { readFile } from 'node:fs/promises'
import { Script } from 'node:vm'
import { launcherScriptSource } from '../../../packaging/assets.ts'

function run (source: string, filename: string): unknown {
  const module = { exports: {} as unknown }
  const wrapped = new Script(`(function (module) {${source}\n})`, { filename }).runInThisContext() as (m: typeof module) => void
  wrapped(module)
  return module.exports
}

export type Standard = 'scorm12' | 'scorm2004'

export interface LmsValues {
  completionStatus: 'completed' | 'incomplete'
  successStatus: 'passed' | 'unknown'
  scoreRaw: number
  scoreScaled: number
  progressMeasure: number
  sessionMs: number
  totalLmsMs: number
  exit: 'suspend' | 'normal'
}

export interface LmsState { completionStatus?: string, successStatus?: string }

export interface LauncherConfig { serviceUrl: string, packageId: string, revision: number, launchKey: string, standard: Standard, title: string }

export interface LauncherView {
  message (heading: string, paragraphs: string[]): void
  player (src: string, title: string): { contentWindow: unknown }
}

export interface LauncherEnv {
  window: unknown
  config: LauncherConfig
  fetch (url: string, init: { method: string, headers: Record<string, string>, body: string, credentials: string }): Promise<{ ok: boolean, status: number, json (): Promise<unknown> }>
  sendBeacon (url: string, body: string): void
  now (): number
  parentOrigin: string
  view: LauncherView
}

export interface Launcher {
  start (): Promise<void>
  exit (): Promise<void>
  leave (): void
  hidden (): void
  onMessage (event: { origin: string, source: unknown, data: unknown }): void
  status (): { phase: string, finished: boolean, sessionId: string | null, lastValues: LmsValues | null }
}

export interface ScormTime {
  cmiTimespan (ms: number): string
  isoDuration (ms: number): string
}

/** What launcher.js exports in Node. */
export interface LauncherModule extends ScormTime {
  maxWindowHops: number
  findApi (win: unknown, standard: string): object | null
  learnerFromLms (standard: Standard, getValue: (element: string) => string): { id: string, name: string }
  lmsStateFromLms (standard: Standard, getValue: (element: string) => string): LmsState
  isLmsValues (values: unknown): boolean
  keepReached (values: LmsValues, lmsState: LmsState): LmsValues
  lmsElements (standard: Standard, values: LmsValues): Array<[string, string]>
  launchBody (config: LauncherConfig, learner: { id: string, name: string }, lmsState: LmsState): Record<string, unknown>
  resolvePlayerUrl (playerUrl: unknown, serviceUrl: string): string | null
  playerSrc (playerUrl: string, parentOrigin: string): string
  parsePlayerMessage (data: unknown): { type: 'progress', values: LmsValues } | { type: 'exit' } | null
  parseConfig (text: string): LauncherConfig
  createLauncher (env: LauncherEnv): Launcher
}

/** launcher.js exactly as the zip ships it (scorm-time.js + launcher.js). */
export async function loadLauncher (): Promise<LauncherModule> {
  return run(await launcherScriptSource(), 'launcher.js') as LauncherModule
}

/** scorm-time.js on its own. */
export async function loadScormTime (): Promise<ScormTime> {
  const path = new URL('../../../packaging/launcher/scorm-time.js', import.meta.url)
  return run(await readFile(path, 'utf8'), 'scorm-time.js') as ScormTime
}
