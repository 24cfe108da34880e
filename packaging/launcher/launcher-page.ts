// index.html of a dispatch package: the SCO the LMS launches. It carries the launcher's
// configuration as JSON and loads launcher.js; it shows "Starting <title>…" until the
// launcher takes over. No external resources: LMSs may block them.
import { escapeHtml, jsonForScript } from '../html.ts'
import type { ScormFormat } from '../build-package.ts'

/** What launcher.js reads from the page (element #mastery-sync-config). */
export interface LauncherConfig {
  readonly serviceUrl: string
  readonly packageId: string
  readonly revision: number
  readonly launchKey: string
  readonly standard: ScormFormat
  readonly title: string
}

const styles = `
  html, body { margin: 0; height: 100%; }
  body { font: 1.125rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #1b1b1b; background: #fff; }
  main { box-sizing: border-box; max-width: 40rem; margin: 0 auto; padding: 2rem 1rem; overflow-wrap: break-word; word-wrap: break-word; }
  h1 { font-size: 1.5rem; line-height: 1.3; margin: 0 0 1rem; }
  h1:focus { outline: none; }
  p { margin: 0 0 1rem; }
  main.playing { max-width: none; padding: 0; }
  .player { position: fixed; top: 0; left: 0; width: 100%; height: 100%; border: 0; }
  .visually-hidden { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; border: 0; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`

export function launcherPage (config: LauncherConfig): string {
  const title = escapeHtml(config.title)
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${styles}</style>
</head>
<body>
<main>
<h1 tabindex="-1">Starting <bdi>${title}</bdi>…</h1>
<p>Connecting to your LMS.</p>
<noscript><p>This course needs JavaScript. Turn it on in your browser and launch the course again.</p></noscript>
</main>
<script type="application/json" id="mastery-sync-config">${jsonForScript(config)}</script>
<script src="launcher.js"></script>
</body>
</html>
`
}
