// Browser tests: a real service listening on 127.0.0.1 (temp SQLite, demo seed), Debian's
// Chromium driven by playwright-core, and a stand-in LMS page served from another origin.
import { createServer, type Server } from 'node:http'
import { existsSync, mkdirSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import type { Test } from 'tap'
import { pino } from 'pino'
import type { FastifyInstance } from 'fastify'
import { chromium, type Browser, type Page } from 'playwright-core'
import { openService, type Service } from '../../src/service.ts'
import { buildApp } from '../../src/http/app.ts'
import { loadConfig } from '../../src/config.ts'
import { seedDemo, type DemoCredentials } from '../../src/seed-demo.ts'
import { freePort } from './ports.ts'
import JSZip from 'jszip'

export const chromiumPath = '/usr/bin/chromium'
const artifactsRoot = new URL('../../test-artifacts/', import.meta.url)

export interface ApiReply { status: number, body: any }

export interface LiveService {
  readonly service: Service
  readonly app: FastifyInstance
  /** e.g. http://127.0.0.1:41234 */
  readonly origin: string
  readonly demo: DemoCredentials
  api (method: string, path: string, options?: { token?: string, body?: unknown }): Promise<ApiReply>
}

/**
 * The whole service on a real socket, seeded with the demo account; closed at teardown.
 * Its address is its public URL, so packages it builds launch against it.
 */
export async function startLiveService (t: Test): Promise<LiveService> {
  const dir = t.testdir()
  const port = await freePort()
  const origin = `http://127.0.0.1:${port}`
  // The LMS and LRS peers of these tests listen on loopback.
  const service = await openService({ dataDir: dir, sqliteSynchronous: 'normal', log: pino({ level: 'silent' }), tokenSecret: 'b'.repeat(40), publicUrl: origin, outbound: 'any' })
  const config = loadConfig({ DATA_DIR: dir, SEED_DEMO: 'false', PUBLIC_URL: origin, PORT: String(port) })
  const app = await buildApp(service.ctx, config)
  const { credentials } = await seedDemo(service.ctx, dir)
  await app.listen({ port, host: '127.0.0.1' })
  t.teardown(async () => { await app.close(); await service.close() })

  const api: LiveService['api'] = async (method, path, options = {}) => {
    const headers: Record<string, string> = {}
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`
    if (options.body !== undefined) headers['content-type'] = 'application/json'
    const response = await fetch(origin + path, { method, headers, ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }) })
    const text = await response.text()
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text) }
  }
  return { service, app, origin, demo: credentials, api }
}

/** Debian's Chromium, headless; the launch flags keep it off the network and quiet. */
export async function launchChromium (t: Test): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`Browser tests need Debian's Chromium at ${chromiumPath}: apt-get install -y chromium`)
  }
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync']
  })
  t.teardown(() => browser.close())
  return browser
}

export interface LmsParent {
  /** The stand-in LMS origin, e.g. http://127.0.0.1:41235 */
  readonly origin: string
  /** The same server reached as http://localhost:…: a third origin for a meddling frame. */
  readonly otherOrigin: string
  /** The LMS page framing `playerSrc` (with a meddling frame from the other origin when asked). */
  pageUrl (playerSrc: string, options?: { meddler?: boolean }): string
}

// The stand-in LMS page: frames the player and records what it posts in window.messages.
const parentPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Test LMS</title></head>
<body>
<h1>Test LMS course page</h1>
<iframe id="player" title="Course" width="420" height="760"></iframe>
<script>
  window.messages = []
  var frame = document.getElementById('player')
  window.addEventListener('message', function (event) {
    if (event.source === frame.contentWindow) window.messages.push({ origin: event.origin, data: event.data })
  })
  var query = new URLSearchParams(location.search)
  frame.src = query.get('src')
  var meddler = query.get('meddler')
  if (meddler) {
    var other = document.createElement('iframe')
    other.id = 'meddler'
    other.title = 'Another site'
    other.src = meddler
    document.body.appendChild(other)
  }
</script>
</body></html>`

const meddlerPage = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Another site</title></head><body><p>Another site</p></body></html>'

export async function startLmsParent (t: Test): Promise<LmsParent> {
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname
    const body = path === '/lms' ? parentPage : path === '/meddler' ? meddlerPage : undefined
    if (body === undefined) {
      response.writeHead(404).end()
      return
    }
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(body)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>(resolve => server.close(() => resolve())))
  const port = (server.address() as AddressInfo).port
  const origin = `http://127.0.0.1:${port}`
  const otherOrigin = `http://localhost:${port}`
  return {
    origin,
    otherOrigin,
    pageUrl (playerSrc, options = {}) {
      const query = new URLSearchParams({ src: playerSrc })
      if (options.meddler === true) query.set('meddler', `${otherOrigin}/meddler`)
      return `${origin}/lms?${query.toString()}`
    }
  }
}

/** Saves a full-page screenshot to test-artifacts/<folder>/<name>.png for a person to look at. */
export async function screenshot (page: Page, name: string, folder = 'player'): Promise<void> {
  const dir = new URL(`${folder}/`, artifactsRoot)
  mkdirSync(dir, { recursive: true })
  await page.screenshot({ path: new URL(`${name}.png`, dir).pathname, fullPage: true })
}

/**
 * Script errors, console errors (a CSP violation logs one), and files under `pathPrefix` that
 * fail to load, collected for a final "none". HTTP error statuses of API calls are expected in
 * places and asserted by the tests themselves. A blob: download is handed to the download
 * manager, which playwright reports as aborted: not a problem.
 */
export function watchForProblems (page: Page, pathPrefix: string): string[] {
  const problems: string[] = []
  page.on('pageerror', error => problems.push(`page error: ${error.message}`))
  page.on('console', message => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(`console: ${message.text()}`)
  })
  page.on('response', response => {
    if (response.status() >= 400 && new URL(response.url()).pathname.startsWith(pathPrefix)) problems.push(`${response.status()} ${response.url()}`)
  })
  page.on('requestfailed', request => {
    if (!request.url().startsWith('blob:')) problems.push(`request failed: ${request.url()}`)
  })
  return problems
}

/**
 * What an admin does before learners launch from an LMS the service reports to itself: the demo
 * profile's integration on, a package of `format` built, and `lmsUserId` linked to the demo learner.
 */
export async function demoPackage (live: LiveService, format: 'aicc' | 'cmi5' | 'xapi', lmsUserId: string): Promise<string> {
  const { demo } = live
  await live.api('PUT', `/v1/profiles/${demo.profileId}/lms-integration`, { token: demo.adminKey, body: { enabled: true } })
  const created = await live.api('POST', `/v1/profiles/${demo.profileId}/packages`, { token: demo.adminKey, body: { title: 'International Flags', format } })
  if (created.status !== 202) throw new Error(`package: ${JSON.stringify(created.body)}`)
  await live.service.packageBuilder.waitFor(await live.service.ctx.store.headPosition())
  const linked = await live.api('POST', `/v1/learners/${demo.learner.id}/lms-links`, { token: demo.adminKey, body: { lmsUserId } })
  if (linked.status !== 201) throw new Error(`link: ${JSON.stringify(linked.body)}`)
  return created.body.packageId as string
}

/** The package's zip, as the admin downloads it. */
export async function downloadZip (live: LiveService, packageId: string): Promise<JSZip> {
  const response = await fetch(`${live.origin}/v1/packages/${packageId}/download`, { headers: { authorization: `Bearer ${live.demo.adminKey}` } })
  return JSZip.loadAsync(Buffer.from(await response.arrayBuffer()))
}

/** Plays one Mini Moment from the profile's home page, ticking the first option of each question. */
export async function playMiniMoment (page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Play' }).click()
  const counter = page.getByText(/^Mini Moment · question 1 of (\d+)$/)
  await counter.waitFor()
  const total = Number(/of (\d+)$/.exec(await counter.textContent() ?? '')?.[1])
  for (let i = 0; i < total; i++) {
    await page.getByText(`Mini Moment · question ${i + 1} of ${total}`).waitFor()
    await page.getByRole('checkbox').first().check()
    await page.getByRole('button', { name: 'Submit' }).click()
    await page.getByRole('button', { name: i + 1 === total ? 'See summary' : 'Next' }).or(page.getByRole('button', { name: 'Next' })).first().click()
  }
}
