/* global window, module, scormTime */
/* eslint @typescript-eslint/no-unused-vars: ["error", { "caughtErrors": "none" }] */
// The launcher of a mastery-sync dispatch package. It runs in the LMS (index.html of the
// zip): it finds the LMS's SCORM API, starts an LMS session on our service, frames the
// live player, and writes the learner's results back through the SCORM API on exit or
// when the window closes.
//
// Plain ES2017 script, no modules, no dependencies, no external resources (LMSs may block
// them). The build puts scorm-time.js in front of this file, which defines `scormTime`.
//
// Structure: pure helpers first (API discovery on an injectable window, reading the LMS's
// state, mapping values to [element, value] pairs per standard), then createLauncher(env),
// the stateful flow with every browser dependency injected, then the DOM view and boot().
// In Node, `module.exports` receives all of them instead of booting (packaging/README.md
// shows how tests load this file).
var masterySyncLauncher = (function () {
  'use strict'

  var apiNames = { scorm12: 'API', scorm2004: 'API_1484_11' }
  /** How many parent (and opener) windows to climb before giving up, as the standards suggest. */
  var maxWindowHops = 10

  // ---------------------------------------------------------------- API discovery

  /** A property of a window that may belong to another origin: reading it may throw. */
  function read (win, key) {
    if (win === null || win === undefined) return null
    try {
      var value = win[key]
      return value === undefined ? null : value
    } catch (e) {
      return null
    }
  }

  function apiOn (win, standard) {
    var api = read(win, apiNames[standard])
    if (api === null || (typeof api !== 'object' && typeof api !== 'function')) return null
    try {
      return typeof api[standard === 'scorm12' ? 'LMSInitialize' : 'Initialize'] === 'function' ? api : null
    } catch (e) {
      return null
    }
  }

  /** This window, then its parents up to maxWindowHops, stopping at the top (parent === self). */
  function searchParents (win, standard) {
    var current = win
    for (var hops = 0; current !== null && hops <= maxWindowHops; hops++) {
      var api = apiOn(current, standard)
      if (api !== null) return api
      var parent = read(current, 'parent')
      if (parent === null || parent === current) return null
      current = parent
    }
    return null
  }

  /**
   * Finds the LMS API object (`API` for SCORM 1.2, `API_1484_11` for 2004) as the standards
   * describe: up the parent chain, then, for a course opened in a new window, up the opener
   * chain (of this window and of its top window), each opener with its own parents.
   * Returns null when there is none.
   */
  function findApi (win, standard) {
    if (!Object.prototype.hasOwnProperty.call(apiNames, standard)) return null
    var api = searchParents(win, standard)
    if (api !== null) return api
    var starts = [read(win, 'opener'), read(read(win, 'top'), 'opener')]
    for (var i = 0; i < starts.length; i++) {
      var opener = starts[i]
      for (var hops = 0; opener !== null && hops < maxWindowHops; hops++) {
        api = searchParents(opener, standard)
        if (api !== null) return api
        var next = read(opener, 'opener')
        if (next === opener) break
        opener = next
      }
    }
    return null
  }

  /**
   * One interface over both APIs. SCORM calls answer the strings "true"/"false" (some LMSs
   * booleans); a call that throws counts as "false", so no LMS quirk stops the flow.
   */
  function lmsAdapter (api, standard) {
    var is12 = standard === 'scorm12'
    function call (name, args) {
      try {
        return api[name].apply(api, args)
      } catch (e) {
        return 'false'
      }
    }
    function ok (result) {
      return result === true || result === 'true'
    }
    return {
      initialize: function () { return ok(call(is12 ? 'LMSInitialize' : 'Initialize', [''])) },
      getValue: function (element) {
        var value = call(is12 ? 'LMSGetValue' : 'GetValue', [element])
        return value === null || value === undefined ? '' : String(value)
      },
      setValue: function (element, value) { return ok(call(is12 ? 'LMSSetValue' : 'SetValue', [element, value])) },
      commit: function () { return ok(call(is12 ? 'LMSCommit' : 'Commit', [''])) },
      finish: function () { return ok(call(is12 ? 'LMSFinish' : 'Terminate', [''])) },
      lastError: function () { return String(call(is12 ? 'LMSGetLastError' : 'GetLastError', [])) }
    }
  }

  // ---------------------------------------------------------------- values (pure)

  var learnerElements = {
    scorm12: { id: 'cmi.core.student_id', name: 'cmi.core.student_name' },
    scorm2004: { id: 'cmi.learner_id', name: 'cmi.learner_name' }
  }

  /** The learner as the LMS names them: { id, name }. */
  function learnerFromLms (standard, getValue) {
    var elements = learnerElements[standard]
    return { id: getValue(elements.id), name: getValue(elements.name) }
  }

  var lessonStatusToState = {
    passed: { completionStatus: 'completed', successStatus: 'passed' },
    failed: { completionStatus: 'completed', successStatus: 'failed' },
    completed: { completionStatus: 'completed' },
    incomplete: { completionStatus: 'incomplete' }
  }
  var completionVocabulary = ['completed', 'incomplete', 'not attempted', 'unknown']
  var successVocabulary = ['passed', 'failed', 'unknown']

  /**
   * What the LMS says about this registration before we write anything:
   * { completionStatus?, successStatus? } in SCORM 2004 terms. 1.2's single lesson_status
   * is split (passed → completed + passed); values outside the vocabulary are left out.
   */
  function lmsStateFromLms (standard, getValue) {
    if (standard === 'scorm12') {
      var status = getValue('cmi.core.lesson_status')
      var mapped = Object.prototype.hasOwnProperty.call(lessonStatusToState, status) ? lessonStatusToState[status] : {}
      return Object.assign({}, mapped)
    }
    var state = {}
    var completion = getValue('cmi.completion_status')
    var success = getValue('cmi.success_status')
    if (completionVocabulary.indexOf(completion) >= 0) state.completionStatus = completion
    if (successVocabulary.indexOf(success) >= 0) state.successStatus = success
    return state
  }

  function isNumberIn (value, min, max) {
    return typeof value === 'number' && isFinite(value) && value >= min && value <= max
  }

  /** The shape of `values` the service sends (launch reply, progress messages, exit reply). */
  function isLmsValues (values) {
    return values !== null && typeof values === 'object' &&
      (values.completionStatus === 'completed' || values.completionStatus === 'incomplete') &&
      (values.successStatus === 'passed' || values.successStatus === 'unknown') &&
      isNumberIn(values.scoreRaw, 0, 100) &&
      isNumberIn(values.scoreScaled, 0, 1) &&
      isNumberIn(values.progressMeasure, 0, 1) &&
      isNumberIn(values.sessionMs, 0, Infinity) &&
      (values.exit === 'suspend' || values.exit === 'normal')
  }

  /**
   * A status the LMS already has is never downgraded by what we write (R15): the service
   * takes the LMS state into account too, this is the launcher's own guard.
   */
  function keepReached (values, lmsState) {
    var kept = Object.assign({}, values)
    if (lmsState && lmsState.successStatus === 'passed') {
      kept.successStatus = 'passed'
      kept.completionStatus = 'completed'
    }
    if (lmsState && lmsState.completionStatus === 'completed') kept.completionStatus = 'completed'
    return kept
  }

  /** A decimal with at most `digits` decimals and no exponent or trailing zeros ("0.5", "1", "0.0001"). */
  function decimal (value, digits) {
    var text = Number(value).toFixed(digits)
    return text.indexOf('.') < 0 ? text : text.replace(/0+$/, '').replace(/\.$/, '')
  }

  function clamp (value, min, max) {
    var n = Number(value)
    if (!(n >= min)) return min
    return n > max ? max : n
  }

  /**
   * The SCORM data model writes for `values`, in order, as [element, value] pairs. Score range
   * first (some LMSs check raw against min/max), then score, status, session time and exit.
   * cmi.core.exit / cmi.exit are always written (Saba asks for them). No suspend_data:
   * the state lives on the service, so 1.2's 4096-character limit is never at risk.
   */
  function lmsElements (standard, values) {
    var raw = String(Math.round(clamp(values.scoreRaw, 0, 100)))
    var suspend = values.exit === 'suspend'
    if (standard === 'scorm12') {
      var lessonStatus = values.successStatus === 'passed'
        ? 'passed'
        : values.completionStatus === 'completed' ? 'completed' : 'incomplete'
      return [
        ['cmi.core.score.min', '0'],
        ['cmi.core.score.max', '100'],
        ['cmi.core.score.raw', raw],
        ['cmi.core.lesson_status', lessonStatus],
        ['cmi.core.session_time', scormTime.cmiTimespan(values.sessionMs)],
        ['cmi.core.exit', suspend ? 'suspend' : '']
      ]
    }
    return [
      ['cmi.score.min', '0'],
      ['cmi.score.max', '100'],
      ['cmi.score.raw', raw],
      ['cmi.score.scaled', decimal(clamp(values.scoreScaled, 0, 1), 4)],
      ['cmi.progress_measure', decimal(clamp(values.progressMeasure, 0, 1), 4)],
      ['cmi.completion_status', values.completionStatus === 'completed' ? 'completed' : 'incomplete'],
      ['cmi.success_status', values.successStatus === 'passed' ? 'passed' : 'unknown'],
      ['cmi.session_time', scormTime.isoDuration(values.sessionMs)],
      ['cmi.exit', suspend ? 'suspend' : 'normal']
    ]
  }

  /** The body of POST /v1/lms/launch. */
  function launchBody (config, learner, lmsState) {
    return {
      packageId: config.packageId,
      revision: config.revision,
      launchKey: config.launchKey,
      standard: config.standard,
      lmsUserId: learner.id,
      lmsUserName: learner.name,
      lmsState: lmsState
    }
  }

  function originOf (url) {
    try {
      return new URL(url).origin
    } catch (e) {
      return null
    }
  }

  /** The player's absolute address, or null unless it is on the service's origin (the only origin we take messages from). */
  function resolvePlayerUrl (playerUrl, serviceUrl) {
    if (typeof playerUrl !== 'string' || playerUrl === '') return null
    try {
      var resolved = new URL(playerUrl, serviceUrl + '/')
      return resolved.origin === originOf(serviceUrl) ? resolved.href : null
    } catch (e) {
      return null
    }
  }

  /** The iframe's src: the player URL with parentOrigin added to its fragment (the fragment already carries the token). */
  function playerSrc (playerUrl, parentOrigin) {
    var param = 'parentOrigin=' + encodeURIComponent(parentOrigin)
    var hashAt = playerUrl.indexOf('#')
    if (hashAt < 0) return playerUrl + '#' + param
    if (hashAt === playerUrl.length - 1) return playerUrl + param
    return playerUrl + '&' + param
  }

  /** A message from the player: { type: 'progress', values } or { type: 'exit' }; anything else → null. */
  function parsePlayerMessage (data) {
    if (data === null || typeof data !== 'object' || data.source !== 'mastery-sync') return null
    if (data.type === 'progress' && isLmsValues(data.values)) return { type: 'progress', values: data.values }
    if (data.type === 'exit') return { type: 'exit' }
    return null
  }

  /** The configuration embedded in index.html; throws when it is not usable. */
  function parseConfig (text) {
    var config = JSON.parse(text)
    var problems = []
    if (!config || typeof config !== 'object') throw new Error('The launcher configuration is not an object.')
    if (typeof config.serviceUrl !== 'string' || !/^https?:\/\/[^?#]*[^/?#]$/.test(config.serviceUrl) || originOf(config.serviceUrl) === null) problems.push('serviceUrl')
    if (typeof config.packageId !== 'string' || config.packageId === '') problems.push('packageId')
    if (typeof config.revision !== 'number' || !(config.revision >= 1)) problems.push('revision')
    if (typeof config.launchKey !== 'string' || config.launchKey === '') problems.push('launchKey')
    if (!Object.prototype.hasOwnProperty.call(apiNames, config.standard)) problems.push('standard')
    if (typeof config.title !== 'string') problems.push('title')
    if (problems.length > 0) throw new Error('The launcher configuration is not valid: ' + problems.join(', ') + '.')
    return config
  }

  // ---------------------------------------------------------------- the flow

  var text = {
    starting: 'Starting',
    noLms: 'This course must be launched from your LMS.',
    noLmsHelp: 'Open it from your learning management system (LMS) and try again.',
    cannotStart: 'This course can\'t start right now',
    unreachable: 'The course service can\'t be reached',
    unreachableHelp: 'Please check your internet connection and try again later.',
    noLearner: 'Your LMS did not say who you are. Sign in to your LMS and launch the course from there.',
    lmsRefused: 'Your LMS did not let the course start (SCORM error {code}). Close this window and launch the course again.',
    serverError: 'The course service answered with an error (HTTP {status}). Please try again later.',
    badReply: 'The course service sent a reply the launcher does not understand. Please try again later.',
    saved: 'Your progress has been saved.',
    savedHelp: 'You can close this window.',
    brokenPackage: 'This course package is damaged. Ask your LMS administrator to download it again and upload it to the LMS.'
  }

  function errorMessage (body, status) {
    var message = body && body.error && typeof body.error.message === 'string' ? body.error.message : ''
    return message !== '' ? message : text.serverError.replace('{status}', String(status))
  }

  function isLaunchReply (body) {
    return body !== null && typeof body === 'object' &&
      typeof body.sessionId === 'string' && body.sessionId !== '' &&
      typeof body.token === 'string' && body.token !== '' &&
      typeof body.playerUrl === 'string' && isLmsValues(body.values)
  }

  /**
   * The launcher's behaviour, with every browser dependency injected:
   * env = { window, config, fetch(url, init), sendBeacon(url, bodyText), now(), parentOrigin,
   *         view: { message(heading, paragraphs), player(src, title) → iframe } }
   * Returns { start, exit, leave, hidden, onMessage, status } where status() describes the
   * current phase for tests and diagnostics.
   */
  function createLauncher (env) {
    var config = env.config
    var standard = config.standard
    var serviceOrigin = originOf(config.serviceUrl)
    var lms = null
    var lmsState = {}
    var session = null
    var frame = null
    var lastValues = null
    var launchedAt = 0
    var phase = 'starting'
    var exiting = false
    /** One flag for every way out (error, exit, unload): the LMS is finished exactly once. */
    var finished = false

    function show (newPhase, heading, paragraphs) {
      phase = newPhase
      frame = null
      env.view.message(heading, paragraphs)
    }

    /** Writes `values` (if any) and commits, then finishes, whatever Commit answered. */
    function finish (values) {
      if (finished || lms === null) return
      finished = true
      if (values !== null) {
        var pairs = lmsElements(standard, values)
        for (var i = 0; i < pairs.length; i++) lms.setValue(pairs[i][0], pairs[i][1])
        lms.commit()
      }
      lms.finish()
    }

    /**
     * Finishes a launch that could not start. No status, score or progress is written; only
     * what keeps the LMS from misreading the visit: the attempt is suspended (a SCORM 2004
     * Terminate with an empty cmi.exit would end it and lose what the LMS showed), and a
     * SCORM 1.2 course never attempted is marked incomplete (1.2 LMSs otherwise mark a course
     * that set no status "completed" on LMSFinish).
     */
    function finishRefused () {
      if (finished || lms === null) return
      finished = true
      if (standard === 'scorm12') {
        if (lms.getValue('cmi.core.lesson_status') === 'not attempted') lms.setValue('cmi.core.lesson_status', 'incomplete')
        lms.setValue('cmi.core.exit', 'suspend')
      } else {
        lms.setValue('cmi.exit', 'suspend')
      }
      lms.finish()
    }

    /** The last values the service sent, with the session time as of now. */
    function valuesNow () {
      return Object.assign({}, lastValues, { sessionMs: Math.max(0, env.now() - launchedAt) })
    }

    function sessionUrl (suffix) {
      return config.serviceUrl + '/v1/lms/sessions/' + encodeURIComponent(session.sessionId) + suffix
    }

    /** The exit request of a closing page: the token travels in the text/plain body (a beacon cannot set headers). */
    function sendExitBeacon () {
      try {
        env.sendBeacon(sessionUrl('/exit'), JSON.stringify({ how: 'unload', token: session.token }))
      } catch (e) {
        // The LMS writes below do not depend on it.
      }
    }

    async function start () {
      var api = findApi(env.window, standard)
      if (api === null) {
        show('no-lms', text.noLms, [text.noLmsHelp])
        return
      }
      lms = lmsAdapter(api, standard)
      if (!lms.initialize()) {
        var code = lms.lastError()
        // 2004 error 103: already initialized (e.g. the page was reloaded inside the LMS).
        if (!(standard === 'scorm2004' && code === '103')) {
          finished = true // never initialised: nothing to finish
          show('error', text.cannotStart, [text.lmsRefused.replace('{code}', code)])
          return
        }
      }
      var learner = learnerFromLms(standard, lms.getValue)
      if (learner.id === '') {
        show('error', text.cannotStart, [text.noLearner])
        finishRefused()
        return
      }
      lmsState = lmsStateFromLms(standard, lms.getValue)

      var response
      try {
        response = await env.fetch(config.serviceUrl + '/v1/lms/launch', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(launchBody(config, learner, lmsState)),
          credentials: 'omit'
        })
      } catch (e) {
        if (finished) return
        show('unreachable', text.unreachable, [text.unreachableHelp])
        finishRefused()
        return
      }
      var body = null
      try {
        body = await response.json()
      } catch (e) {
        body = null
      }
      if (finished) {
        // The window closed while we waited: end the session the service just opened.
        if (response.ok && isLaunchReply(body)) {
          session = { sessionId: body.sessionId, token: body.token }
          sendExitBeacon()
        }
        return
      }
      if (!response.ok) {
        show('error', text.cannotStart, [errorMessage(body, response.status)])
        finishRefused()
        return
      }
      var playerUrl = isLaunchReply(body) ? resolvePlayerUrl(body.playerUrl, config.serviceUrl) : null
      if (playerUrl === null) {
        show('error', text.cannotStart, [text.badReply])
        finishRefused()
        return
      }
      session = { sessionId: body.sessionId, token: body.token }
      lastValues = keepReached(body.values, lmsState)
      launchedAt = env.now()
      phase = 'playing'
      frame = env.view.player(playerSrc(playerUrl, env.parentOrigin), typeof body.title === 'string' && body.title !== '' ? body.title : config.title)
    }

    /** The learner pressed Exit: ask the service for the final values, write them, finish. */
    async function exit () {
      if (finished || exiting || session === null) return
      exiting = true
      var values = null
      try {
        var response = await env.fetch(sessionUrl('/exit'), {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + session.token },
          body: JSON.stringify({ how: 'exit' }),
          credentials: 'omit'
        })
        if (response.ok) {
          var body = await response.json()
          if (body && isLmsValues(body.values)) values = body.values
        }
      } catch (e) {
        values = null
      }
      if (finished) return // the window closed meanwhile; leave() wrote the last known values
      finish(keepReached(values !== null ? values : valuesNow(), lmsState))
      show('saved', text.saved, [text.savedHelp])
    }

    /**
     * The window is going away (pagehide). Tell the service with a beacon (the only request
     * a closing page reliably gets out), then write the last known values synchronously,
     * Commit, and Terminate/LMSFinish even when Commit fails: some LMSs (Cornerstone) refuse
     * Commit during unload but record through Terminate.
     */
    function leave () {
      if (finished || lms === null) return
      if (session === null) {
        finishRefused()
        return
      }
      sendExitBeacon()
      finish(keepReached(valuesNow(), lmsState))
    }

    /**
     * The page was hidden (tab switched, app backgrounded, or about to close on a mobile
     * browser that may never fire pagehide): save the last known values and Commit, without
     * finishing, because the learner may come back.
     */
    function hidden () {
      if (finished || exiting || session === null) return
      var pairs = lmsElements(standard, keepReached(valuesNow(), lmsState))
      for (var i = 0; i < pairs.length; i++) lms.setValue(pairs[i][0], pairs[i][1])
      lms.commit()
    }

    /** postMessage from the player: accepted only from the service's origin and from our iframe. */
    function onMessage (event) {
      if (finished || session === null || frame === null) return
      if (event.origin !== serviceOrigin || event.source !== frame.contentWindow) return
      var message = parsePlayerMessage(event.data)
      if (message === null) return
      if (message.type === 'progress') lastValues = keepReached(message.values, lmsState)
      else exit()
    }

    function status () {
      return { phase: phase, finished: finished, sessionId: session === null ? null : session.sessionId, lastValues: lastValues }
    }

    return { start: start, exit: exit, leave: leave, hidden: hidden, onMessage: onMessage, status: status }
  }

  // ---------------------------------------------------------------- the page

  /** Renders the states into the page's <main>: an <h1> for each, focused for screen readers. */
  function domView (doc) {
    var main = doc.querySelector('main')
    function reset (className) {
      while (main.firstChild) main.removeChild(main.firstChild)
      main.className = className
    }
    function heading (content, className) {
      var h1 = doc.createElement('h1')
      h1.tabIndex = -1
      if (className) h1.className = className
      h1.textContent = content
      main.appendChild(h1)
      return h1
    }
    return {
      message: function (title, paragraphs) {
        reset('')
        var h1 = heading(title, '')
        for (var i = 0; i < paragraphs.length; i++) {
          var p = doc.createElement('p')
          p.textContent = paragraphs[i]
          main.appendChild(p)
        }
        h1.focus()
      },
      player: function (src, title) {
        reset('playing')
        heading(title, 'visually-hidden')
        var iframe = doc.createElement('iframe')
        iframe.className = 'player'
        iframe.title = title
        iframe.setAttribute('allow', 'fullscreen; autoplay')
        iframe.src = src
        main.appendChild(iframe)
        return iframe
      }
    }
  }

  /** Starts the launcher in a browser window: reads the embedded config and wires the events. */
  function boot (win) {
    var doc = win.document
    var view = domView(doc)
    var config
    try {
      var element = doc.getElementById('mastery-sync-config')
      config = parseConfig(element === null ? '' : element.textContent)
    } catch (e) {
      view.message(text.cannotStart, [text.brokenPackage])
      return null
    }
    var launcher = createLauncher({
      window: win,
      config: config,
      fetch: function (url, init) { return win.fetch(url, init) },
      sendBeacon: function (url, bodyText) {
        // text/plain keeps the beacon a "simple" cross-origin request (no preflight).
        var blob = new win.Blob([bodyText], { type: 'text/plain' })
        if (win.navigator.sendBeacon) win.navigator.sendBeacon(url, blob)
        else win.fetch(url, { method: 'POST', body: blob, keepalive: true, credentials: 'omit' })
      },
      now: function () { return Date.now() },
      parentOrigin: win.location.origin,
      view: view
    })
    win.addEventListener('message', launcher.onMessage)
    if ('onpagehide' in win) {
      win.addEventListener('pagehide', launcher.leave)
      doc.addEventListener('visibilitychange', function () {
        if (doc.visibilityState === 'hidden') launcher.hidden()
      })
    } else {
      // No pagehide: becoming hidden is the last reliable moment.
      doc.addEventListener('visibilitychange', function () {
        if (doc.visibilityState === 'hidden') launcher.leave()
      })
      win.addEventListener('unload', launcher.leave)
    }
    win.masterySyncLaunch = launcher // for diagnostics in the browser console and in browser tests
    launcher.start()
    return launcher
  }

  return {
    maxWindowHops: maxWindowHops,
    findApi: findApi,
    lmsAdapter: lmsAdapter,
    learnerFromLms: learnerFromLms,
    lmsStateFromLms: lmsStateFromLms,
    isLmsValues: isLmsValues,
    keepReached: keepReached,
    lmsElements: lmsElements,
    launchBody: launchBody,
    resolvePlayerUrl: resolvePlayerUrl,
    playerSrc: playerSrc,
    parsePlayerMessage: parsePlayerMessage,
    parseConfig: parseConfig,
    createLauncher: createLauncher,
    domView: domView,
    boot: boot,
    cmiTimespan: scormTime.cmiTimespan,
    isoDuration: scormTime.isoDuration
  }
}())

if (typeof module === 'object' && module !== null && module.exports) module.exports = masterySyncLauncher
else if (typeof window !== 'undefined') masterySyncLauncher.boot(window)
