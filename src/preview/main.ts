// npm run preview -- <package.zip> [--port N] [--learner <lmsUserId>] [--name <name>] [--auto-complete]
//
// Try a SCORM package before uploading it to an LMS: serves it with scorm-again as the LMS
// runtime on http://localhost:<port>/ and prints the address. Open it in a browser; the page
// shows the learner it pretends to be, the LMS data model after each Commit and any API error.
// The only module of src/preview that reads process globals (arguments, output, signals).
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { CourseError } from './course.ts'
import { defaultLearner, startLmsHost, type LmsReport } from './lms-host.ts'

const usage = `Usage: npm run preview -- <package.zip> [options]

Serves a SCORM 1.2 or 2004 package with a stand-in LMS (scorm-again) so you can launch it
in a browser before uploading it to your LMS.

Options:
  --port <n>          port to listen on (default: a free one)
  --learner <id>      the LMS user id the LMS reports (default: ${defaultLearner.id});
                      the page's ?learner=<id> overrides it per launch
  --name <name>       the learner's name (default: ${defaultLearner.name})
  --auto-complete     SCORM 1.2: act like LMSs that mark a course "completed" when it
                      finishes without ever setting cmi.core.lesson_status (SCORM 1.2 RTE p. 3-25)
  -h, --help          this text
`

async function main (): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args: process.argv.slice(2),
      allowPositionals: true,
      options: {
        port: { type: 'string' },
        learner: { type: 'string' },
        name: { type: 'string' },
        'auto-complete': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' }
      }
    })
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${usage}`)
    return 64
  }
  const { values, positionals } = parsed
  if (values.help === true) {
    process.stdout.write(usage)
    return 0
  }
  const [file, ...extra] = positionals
  if (file === undefined || extra.length > 0) {
    process.stderr.write(`Give exactly one package zip.\n\n${usage}`)
    return 64
  }
  const port = values.port === undefined ? 0 : Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`--port must be an integer from 0 to 65535 (got "${values.port}").\n`)
    return 64
  }

  let zip: Buffer
  try {
    zip = await readFile(file)
  } catch (error) {
    process.stderr.write(`Cannot read ${file}: ${error instanceof Error ? error.message : String(error)}\n`)
    return 66
  }
  let host
  try {
    host = await startLmsHost({
      zip,
      port,
      ...(values.learner === undefined ? {} : { learnerId: values.learner }),
      ...(values.name === undefined ? {} : { learnerName: values.name }),
      autoCompleteLessonStatus: values['auto-complete'] === true
    })
  } catch (error) {
    if (error instanceof CourseError) {
      process.stderr.write(`${file}: ${error.message}\n`)
      return 65
    }
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      process.stderr.write(`Port ${port} is in use: pick another with --port, or leave it out for a free one.\n`)
      return 69
    }
    throw error
  }

  const standard = host.course.standard === 'scorm12' ? 'SCORM 1.2' : 'SCORM 2004'
  const learner = values.learner ?? defaultLearner.id
  process.stdout.write([
    '',
    `Preview LMS for "${host.course.title}" (${standard}, launches ${host.course.launch})`,
    `  open:     ${host.url}`,
    `  learner:  ${learner}   (another one: ${host.pageUrl({ id: 'their-lms-user-id' })})`,
    '  The package launches from the service it was built for: that service must be running.',
    '  Press Ctrl+C to stop.',
    ''
  ].join('\n') + '\n')

  host.onReport(report => { process.stdout.write(describe(report) + '\n') })

  await new Promise<void>(resolve => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
  await host.close()
  return 0
}

/** One line per report, e.g. "learner ada, launch 1: LMSCommit → true  lesson_status=incomplete score.raw=42". */
function describe (report: LmsReport): string {
  const head = `learner ${report.learnerId}, launch ${report.launch}: `
  if (report.kind === 'error' && report.error !== undefined) {
    return `${head}${report.error.call} failed with error ${report.error.code} ${report.error.message}`
  }
  if (report.kind === 'initialize') return `${head}${report.call ?? 'Initialize'}`
  const shown = Object.entries(report.values)
    .filter(([element, value]) => value !== '' && !/student_(id|name)|learner_(id|name)|suspend_data/.test(element))
    .map(([element, value]) => `${element.replace(/^cmi\.(core\.)?/, '')}=${value}`)
  return `${head}${report.call ?? report.kind} → ${report.result ?? ''}  ${shown.join(' ')}`
}

main().then(code => { process.exitCode = code }, (error: unknown) => {
  process.stderr.write(`preview failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`)
  process.exitCode = 1
})
