/* global window, document, navigator, Blob, fetch, location */
// The preview LMS's runtime, in the course page (lms-page.ts): creates scorm-again's API,
// loads the learner's data model, puts the API where a SCO looks for it, then launches the
// SCO in the #course iframe. Every API call is recorded with its error code; after each
// Commit and LMSFinish/Terminate the page shows the data model and reports it to the host
// (sendBeacon, so a report made while the window closes still arrives).
//
// window.lmsHost exposes what happened to tests and to the browser console:
//   { standard, learnerId, launch, attempt, initialized, finished, calls[], commits[], errors[], log[],
//     dataModel() → the tracked elements now }
(function () {
  'use strict'

  var config = JSON.parse(document.getElementById('lms-config').textContent)
  var is12 = config.standard === 'scorm12'
  var names = is12
    ? { initialize: 'LMSInitialize', finish: 'LMSFinish', getValue: 'LMSGetValue', setValue: 'LMSSetValue', commit: 'LMSCommit', lastError: 'LMSGetLastError', errorString: 'LMSGetErrorString', diagnostic: 'LMSGetDiagnostic' }
    : { initialize: 'Initialize', finish: 'Terminate', getValue: 'GetValue', setValue: 'SetValue', commit: 'Commit', lastError: 'GetLastError', errorString: 'GetErrorString', diagnostic: 'GetDiagnostic' }
  var maxCalls = 1000

  var state = {
    standard: config.standard,
    learnerId: config.learner.id,
    launch: config.launch,
    attempt: config.attempt,
    initialized: false,
    finished: false,
    /** { call, args, result, errorCode } for every call but the error functions */
    calls: [],
    /** { call, result, values } after each Commit and LMSFinish/Terminate */
    commits: [],
    /** { call, args, code, message, diagnostic } for each call that set an error code */
    errors: [],
    /** scorm-again's own warnings and errors: { level, message } */
    log: [],
    dataModel: function () { return snapshot() }
  }
  window.lmsHost = state

  var ScormApi = is12 ? window.Scorm12API : window.Scorm2004API
  var api = new ScormApi({
    // Commits stay in the page: the host learns of them through report().
    lmsCommitUrl: false,
    autocommit: false,
    logLevel: 3,
    onLogMessage: function (level, message) {
      state.log.push({ level: levelName(level), message: String(message) })
    }
  })
  api.loadFromJSON(config.initial)

  // ------------------------------------------------------------ reading the data model

  function levelName (level) {
    var byNumber = { 1: 'debug', 2: 'info', 3: 'warn', 4: 'error' }
    return byNumber[level] || String(level).toLowerCase()
  }

  /**
   * The tracked elements as the LMS holds them. Read from scorm-again's JSON rendering, which
   * includes write-only elements (session_time, exit) that GetValue may not read; elements it
   * leaves out (total_time) are read from the object. Never through GetValue, which would
   * reset the SCO's last error.
   */
  function snapshot () {
    var json = JSON.parse(JSON.stringify(api.cmi))
    var values = {}
    for (var i = 0; i < config.elements.length; i++) {
      var element = config.elements[i]
      var value = walk(json, element)
      if (value === undefined) {
        try {
          value = walk(api.cmi, element)
        } catch {
          value = undefined
        }
      }
      values[element] = value === undefined || value === null ? '' : String(value)
    }
    return values
  }

  function walk (root, element) {
    var parts = element.split('.').slice(1)
    var node = root
    for (var i = 0; i < parts.length; i++) {
      if (node === null || typeof node !== 'object') return undefined
      node = node[parts[i]]
    }
    return node
  }

  // ------------------------------------------------------------ recording calls

  function report (kind, extra) {
    var body = JSON.stringify(Object.assign({ learnerId: config.learner.id, launch: config.launch, kind: kind, values: snapshot() }, extra || {}))
    try {
      if (navigator.sendBeacon && navigator.sendBeacon(config.reportUrl, new Blob([body], { type: 'text/plain' }))) return
    } catch {
      // fall through to fetch
    }
    fetch(config.reportUrl, { method: 'POST', body: body, keepalive: true, headers: { 'content-type': 'text/plain' } }).catch(function () {})
  }

  /** Whether the SCO set cmi.core.lesson_status in this session (SCORM 1.2's completion rule needs it). */
  var statusSetBySco = false

  /**
   * SCORM 1.2 RTE p. 3-25 (cmi.core.lesson_status, additional behaviour): an LMS sets a status the SCO never set
   * to "completed" when the SCO finishes. LMSs that follow it do; scorm-again does not (its
   * autoCompleteLessonStatus setting cannot tell a loaded "not attempted" from one the SCO
   * set), so the preview applies the rule itself when asked to (--auto-complete).
   */
  function beforeFinish () {
    if (is12 && config.autoCompleteLessonStatus === true && !statusSetBySco && api.cmi.core.lesson_status === 'not attempted') {
      api.cmi.core.lesson_status = 'completed'
    }
  }

  function record (kind, name) {
    var original = api[name]
    api[name] = function () {
      var args = Array.prototype.slice.call(arguments)
      if (kind === 'finish' && api.isInitialized()) beforeFinish()
      var result = original.apply(api, args)
      if (kind === 'set' && args[0] === 'cmi.core.lesson_status' && String(result) === 'true') statusSetBySco = true
      var code = String(api[names.lastError]())
      if (state.calls.length < maxCalls) state.calls.push({ call: name, args: args, result: String(result), errorCode: code })
      if (code !== '0') {
        var error = { call: name, args: args, code: code, message: String(api[names.errorString](code)), diagnostic: String(api[names.diagnostic](code)) }
        state.errors.push(error)
        report('error', { call: name, error: error })
      }
      var succeeded = String(result) === 'true'
      if (kind === 'initialize' && succeeded) {
        state.initialized = true
        report('initialize', { call: name })
      } else if (kind === 'commit' || kind === 'finish') {
        if (kind === 'finish' && succeeded) state.finished = true
        state.commits.push({ call: name, result: String(result), values: snapshot() })
        report(kind, { call: name, result: String(result) })
      }
      render()
      return result
    }
  }

  record('initialize', names.initialize)
  record('finish', names.finish)
  record('get', names.getValue)
  record('set', names.setValue)
  record('commit', names.commit)

  // ------------------------------------------------------------ the view

  var shown = {}

  function text (tag, content, className) {
    var node = document.createElement(tag)
    node.textContent = content
    if (className) node.className = className
    return node
  }

  function render () {
    var status = !state.initialized
      ? 'Waiting for the course to initialise the API…'
      : state.finished
        ? 'The course finished the session (' + names.finish + ').'
        : 'Session running.'
    var commits = state.commits.length
    var commitCalls = state.calls.filter(function (c) { return c.call === names.commit }).length
    document.getElementById('lms-state').textContent = status + ' ' + names.commit + ' calls: ' + commitCalls + '. API errors: ' + state.errors.length + '.'

    var last = commits > 0 ? state.commits[commits - 1] : null
    var values = last === null ? snapshot() : last.values
    document.getElementById('model-caption').textContent = last === null
      ? 'As launched (no Commit yet)'
      : 'After ' + last.call + ' (answered ' + last.result + ')'
    var body = document.querySelector('#model tbody')
    while (body.firstChild) body.removeChild(body.firstChild)
    for (var i = 0; i < config.elements.length; i++) {
      var element = config.elements[i]
      var row = document.createElement('tr')
      if (last !== null && shown[element] !== undefined && shown[element] !== values[element]) row.className = 'changed'
      row.appendChild(text('td', element))
      row.appendChild(text('td', values[element]))
      body.appendChild(row)
    }
    if (last !== null) shown = values

    var errors = document.getElementById('errors')
    while (errors.firstChild) errors.removeChild(errors.firstChild)
    for (var e = 0; e < state.errors.length; e++) {
      var error = state.errors[e]
      errors.appendChild(text('p', error.call + '(' + error.args.map(JSON.stringify).join(', ') + '): error ' + error.code + ' ' + error.message + (error.diagnostic && error.diagnostic !== error.message ? ' — ' + error.diagnostic : '')))
    }
    for (var l = 0; l < state.log.length; l++) {
      if (state.log[l].level === 'error') errors.appendChild(text('p', 'scorm-again: ' + state.log[l].message))
    }

    var calls = document.getElementById('calls')
    while (calls.children.length < state.calls.length) {
      var call = state.calls[calls.children.length]
      var line = call.call + '(' + call.args.map(JSON.stringify).join(', ') + ') → ' + JSON.stringify(call.result) + (call.errorCode === '0' ? '' : ' error ' + call.errorCode)
      calls.appendChild(text('li', line, call.errorCode === '0' ? '' : 'failed'))
      calls.scrollTop = calls.scrollHeight
    }
  }

  document.getElementById('forget').addEventListener('click', function () {
    fetch(config.forgetUrl, { method: 'POST', body: JSON.stringify({ learnerId: config.learner.id }), headers: { 'content-type': 'application/json' } })
      .then(function () { location.reload() })
  })

  window[is12 ? 'API' : 'API_1484_11'] = api
  render()
  // Launched only now that the API is in place for the SCO to find.
  document.getElementById('course').src = config.launchUrl
}())
