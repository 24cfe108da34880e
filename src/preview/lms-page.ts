// The preview LMS's course page: scorm-again as the LMS runtime (window.API for SCORM 1.2,
// window.API_1484_11 for 2004), the course in an iframe, and beside it the learner the LMS
// pretends to be, the data model after each Commit, every API error and the API calls.
// The behaviour is in lms-runtime.js; this file only renders the page and its configuration.
import { escapeHtml, jsonForScript } from '../../packaging/html.ts'
import type { ScormStandard } from './course.ts'

/** What lms-runtime.js reads from #lms-config. */
export interface LmsPageConfig {
  readonly standard: ScormStandard
  readonly title: string
  /** The SCO's address on this host, e.g. /content/index.html */
  readonly launchUrl: string
  readonly learner: { readonly id: string, readonly name: string }
  /** This learner's launch number (1 for the first). */
  readonly launch: number
  /** The learner attempt this launch belongs to (SCORM 2004 starts a new one after a session that was not suspended). */
  readonly attempt: number
  /** The data model to start from (scorm-again loadFromJSON). */
  readonly initial: Record<string, unknown>
  /** The elements shown in the data model table, in order. */
  readonly elements: readonly string[]
  /** SCORM 1.2: LMSFinish turns a lesson_status the SCO never set into "completed", as the SCORM 1.2 RTE (p. 3-25) asks LMSs to. */
  readonly autoCompleteLessonStatus: boolean
  readonly reportUrl: string
  readonly forgetUrl: string
}

const labels: Readonly<Record<ScormStandard, string>> = { scorm12: 'SCORM 1.2', scorm2004: 'SCORM 2004' }

const styles = `
  * { box-sizing: border-box; }
  html, body { margin: 0; }
  body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: #1b1b1b; background: #eef1f5; }
  header { background: #233044; color: #fff; padding: .75rem 1rem; display: flex; flex-wrap: wrap; gap: .25rem 1.5rem; align-items: baseline; }
  header h1 { font-size: 1.15rem; margin: 0; }
  header .tag { font-size: .8rem; background: #3d5170; border-radius: 3px; padding: .1rem .4rem; }
  header form { display: flex; flex-wrap: wrap; gap: .4rem; align-items: center; margin-left: auto; font-size: .85rem; }
  header input { font: inherit; padding: .15rem .35rem; width: 10rem; }
  header button, aside button { font: inherit; padding: .15rem .6rem; cursor: pointer; }
  .learner { width: 100%; margin: 0; font-size: .9rem; }
  .learner strong { font-family: ui-monospace, Menlo, Consolas, monospace; }
  .layout { display: grid; grid-template-columns: minmax(320px, 1fr) minmax(320px, 440px); gap: 1rem; padding: 1rem; }
  #course { width: 100%; height: 760px; border: 1px solid #b8c2cf; background: #fff; }
  aside { background: #fff; border: 1px solid #b8c2cf; padding: .75rem 1rem; overflow-wrap: anywhere; }
  aside h2 { font-size: 1rem; margin: .25rem 0 .5rem; }
  #lms-state { margin: 0 0 .5rem; font-weight: 600; }
  #errors:empty { display: none; }
  #errors { background: #fdecea; border: 1px solid #d93025; color: #8a1c12; padding: .5rem .75rem; margin: 0 0 .75rem; }
  #errors p { margin: 0 0 .25rem; }
  table { border-collapse: collapse; width: 100%; font-size: .85rem; margin-bottom: .75rem; }
  caption { text-align: left; font-size: .8rem; color: #555; padding-bottom: .25rem; }
  th, td { text-align: left; padding: .2rem .35rem; border-bottom: 1px solid #e3e7ec; vertical-align: top; }
  td:first-child, td:last-child { font-family: ui-monospace, Menlo, Consolas, monospace; }
  tr.changed td:last-child { background: #fff3c4; }
  #calls { font: .75rem/1.35 ui-monospace, Menlo, Consolas, monospace; max-height: 420px; overflow: auto; padding-left: 2.2rem; margin: 0; }
  #calls .failed { color: #b3261e; font-weight: 600; }
`

export function lmsPage (config: LmsPageConfig): string {
  const title = escapeHtml(config.title)
  const standard = labels[config.standard]
  const learnerId = escapeHtml(config.learner.id)
  const learnerName = escapeHtml(config.learner.name)
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Preview LMS</title>
<style>${styles}</style>
</head>
<body>
<header>
  <h1>${title}</h1>
  <span class="tag">Preview LMS · ${standard} · scorm-again</span>
  <form method="get" action="/" aria-label="Launch as another learner">
    <label for="learner">Learner id</label> <input id="learner" name="learner" value="${learnerId}" required>
    <label for="name">Name</label> <input id="name" name="name" value="${learnerName}">
    <button type="submit">Launch</button>
  </form>
  <p class="learner">Launched as learner <strong id="learner-id">${learnerId}</strong> (${learnerName}), launch ${config.launch} of this learner, attempt ${config.attempt}.</p>
</header>
<div class="layout">
  <iframe id="course" name="course" title="Course: ${title}" allow="fullscreen; autoplay"></iframe>
  <aside aria-labelledby="model-heading">
    <h2 id="model-heading">LMS data model</h2>
    <p id="lms-state" role="status">Waiting for the course to initialise the ${standard} API…</p>
    <div id="errors" role="alert"></div>
    <table id="model">
      <caption id="model-caption">As launched</caption>
      <thead><tr><th scope="col">Element</th><th scope="col">Value</th></tr></thead>
      <tbody></tbody>
    </table>
    <h2>API calls</h2>
    <ol id="calls"></ol>
    <p><button type="button" id="forget">Forget this learner's data</button></p>
  </aside>
</div>
<script type="application/json" id="lms-config">${jsonForScript(config)}</script>
<script src="/lms/${config.standard}.min.js"></script>
<script src="/lms/runtime.js"></script>
</body>
</html>
`
}
