/* global document, window, sessionStorage, fetch, location, performance, URLSearchParams, navigator, Blob */
// The learner's player. One page, two modes, chosen by the URL fragment (which never
// reaches a server log):
//   direct: no token in the fragment; the learner signs in and the token lives in sessionStorage;
//   lms:    #token=…&session=…&profile=…&mode=lms&parentOrigin=… from a package's launcher;
//           locked to one profile (R11): Mini Moments, Knowledge Cards, no password, "Exit".
// Nothing is cached: every screen asks the service again, so content edits show at once (R6).
import { h, hidden } from './elements.js'

const levelNames = ['Unknown', 'Novice', 'Aware', 'Competent', 'Proficient', 'Expert']
const storageKey = 'mastery-sync.player.token'
const maxResponseMs = 3_600_000

// The API sits beside /player/ on the same origin, wherever the service is mounted.
const apiBase = new URL('../', location.href)

const launch = readLaunch(location.hash)
const lms = launch.mode === 'lms'
// Messages go to the framing LMS page only, and only to the origin it announced.
const parentOrigin = lms && window.parent !== window ? originOrNull(launch.parentOrigin) : null

let token = lms ? launch.token : readStoredToken()
let exiting = false

const main = document.getElementById('main')
const nav = document.getElementById('account')
const alertRegion = document.getElementById('alert')

// ------------------------------------------------------------------ plumbing

function readLaunch (hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ''))
  const get = (name) => (params.get(name) ?? '').trim()
  return { token: get('token'), session: get('session'), profile: get('profile'), mode: get('mode'), parentOrigin: get('parentOrigin') }
}

function originOrNull (value) {
  try {
    const url = new URL(value)
    const origin = value.replace(/\/$/, '')
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === origin ? origin : null
  } catch {
    return null
  }
}

function readStoredToken () {
  try {
    return sessionStorage.getItem(storageKey) ?? ''
  } catch {
    return '' // storage blocked: the learner signs in for this page view only
  }
}

function rememberToken (value) {
  token = value
  if (lms) return
  try {
    sessionStorage.setItem(storageKey, value)
  } catch {
    // kept in memory only
  }
}

function forgetToken () {
  token = ''
  try {
    sessionStorage.removeItem(storageKey)
  } catch {
    // nothing stored
  }
}

class ApiError extends Error {
  constructor (status, code, message) {
    super(message)
    this.status = status
    this.code = code
  }
}

/** Calls the service; resolves to the JSON reply, or rejects with the API's own words. */
async function api (method, path, body, { auth = true } = {}) {
  const headers = { accept: 'application/json' }
  if (body !== undefined) headers['content-type'] = 'application/json'
  if (auth) headers.authorization = `Bearer ${token}`
  let response
  try {
    response = await fetch(new URL(path, apiBase), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials: 'omit'
    })
  } catch {
    throw new ApiError(0, 'NETWORK', 'The service can\'t be reached. Check your connection and try again.')
  }
  if (response.status === 204) return null
  let data = null
  try {
    data = await response.json()
  } catch {
    data = null
  }
  if (!response.ok) {
    const error = data !== null && typeof data === 'object' ? data.error : undefined
    const message = typeof error?.message === 'string' && error.message !== ''
      ? error.message
      : `The service answered with an error (HTTP ${response.status}). Please try again.`
    throw new ApiError(response.status, typeof error?.code === 'string' ? error.code : `HTTP_${response.status}`, message)
  }
  return data
}

function sessionEnded (error) {
  return error instanceof ApiError && (error.status === 401 || error.code === 'MS_ERR_LMS_SESSION_ENDED')
}

/** Every action ends here when it fails: the learner reads what went wrong and what to do. */
function handleError (error) {
  // The service says why an LMS session ended (exited, timed out); a refused token has no LMS words.
  if (lms && sessionEnded(error)) return showEnded(error.code === 'MS_ERR_LMS_SESSION_ENDED' ? error.message : undefined)
  if (!lms && error instanceof ApiError && error.status === 401 && token !== '') {
    forgetToken()
    return showSignIn({ error: error.message })
  }
  if (error instanceof ApiError) return showAlert(error.message)
  showAlert(`Something went wrong in the player: ${error instanceof Error ? error.message : String(error)}`)
}

async function guarded (work) {
  try {
    await work()
  } catch (error) {
    handleError(error)
  }
}

/** Runs an action from a button: the button is disabled meanwhile so a double click sends once. */
async function busy (button, work) {
  if (button.disabled) return
  button.disabled = true
  main.setAttribute('aria-busy', 'true')
  try {
    await guarded(work)
  } finally {
    main.removeAttribute('aria-busy')
    if (button.isConnected) button.disabled = false
  }
}

function showAlert (message) {
  // Emptied first so the same message twice is announced twice.
  alertRegion.textContent = ''
  alertRegion.append(h('p', { text: message }))
}

function clearAlert () {
  alertRegion.textContent = ''
}

// ------------------------------------------------------------------ DOM helpers

function button (label, onclick, props = {}) {
  const element = h('button', { type: 'button', ...props }, label)
  element.addEventListener('click', () => busy(element, () => onclick(element)))
  return element
}

function field (label, input, hint) {
  const hintId = hint === undefined ? undefined : `${input.id}-hint`
  if (hintId !== undefined) input.setAttribute('aria-describedby', hintId)
  return h('div', { class: 'field' },
    h('label', { for: input.id, text: label }),
    hint === undefined ? null : h('p', { class: 'hint', id: hintId, text: hint }),
    input)
}

function percent (progress, mastered) {
  // Never round up to 100 % before mastery: that would read as done.
  return mastered ? 100 : Math.min(99, Math.floor(progress * 100))
}

function progressBlock (profile) {
  const value = percent(profile.progress, profile.mastered)
  return h('div', { class: 'progress' },
    h('progress', { max: 100, value, 'aria-label': `Progress in ${profile.name}` }, `${value}%`),
    h('span', { class: 'percent', 'aria-hidden': 'true', text: `${value}%` }),
    profile.mastered ? h('span', { class: 'badge', text: 'Mastered' }) : null)
}

function levelText (level) {
  const name = levelNames[Math.max(0, Math.min(5, Math.floor(level)))]
  return `${name} (level ${level.toFixed(1)} of 5)`
}

/** Replaces the screen; focus moves to its heading so keyboard and screen-reader users follow. */
function show ({ title, homeButton = true, passwordButton = true }, ...nodes) {
  clearAlert()
  main.replaceChildren(...nodes.filter(node => node !== null && node !== undefined))
  document.title = `${title} · Mastery player`
  renderNav(homeButton, passwordButton)
  const heading = main.querySelector('h1')
  if (heading !== null) {
    heading.tabIndex = -1
    heading.focus()
  }
  window.scrollTo(0, 0)
}

function renderNav (homeButton, passwordButton) {
  const items = []
  if (token !== '' && !exiting) {
    if (homeButton) items.push(button('Home', () => showHome()))
    if (!lms && passwordButton) items.push(button('Change password', () => showPassword()))
    items.push(lms ? button('Exit', () => exitCourse(), { class: 'exit' }) : button('Logout', () => logout()))
  }
  nav.replaceChildren(...items)
}

// ------------------------------------------------------------------ LMS messages

function postToParent (message) {
  if (parentOrigin === null) return
  window.parent.postMessage({ source: 'mastery-sync', ...message }, parentOrigin)
}

/** Tells the launcher what a commit would send now, so an abrupt close still reports it. */
async function reportProgress () {
  if (parentOrigin === null || launch.session === '') return
  const reply = await api('GET', `v1/lms/sessions/${encodeURIComponent(launch.session)}/values`)
  postToParent({ type: 'progress', values: reply.values })
}

function listenToParent () {
  window.addEventListener('message', (event) => {
    // Only the page that framed us may talk to us; everything else is ignored.
    if (parentOrigin === null || event.origin !== parentOrigin || event.source !== window.parent) return
    const data = event.data
    if (data === null || typeof data !== 'object' || data.source !== 'mastery-sync') return
    if (data.type === 'request-progress') guarded(reportProgress)
  })
}

// ------------------------------------------------------------------ screens

function showSignIn ({ error, notice } = {}) {
  const email = h('input', { id: 'email', name: 'email', type: 'email', autocomplete: 'username', required: true, spellcheck: 'false' })
  const password = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true })
  const submit = h('button', { type: 'submit', class: 'primary', text: 'Sign in' })
  const form = h('form', { class: 'stack' }, field('Email', email), field('Password', password), submit)
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    busy(submit, async () => {
      const session = await api('POST', 'v1/auth/login', { email: email.value.trim(), password: password.value }, { auth: false })
      rememberToken(session.token)
      await showHome()
    })
  })
  show({ title: 'Sign in' },
    h('h1', { text: 'Sign in' }),
    notice === undefined ? null : h('p', { role: 'status', class: 'notice', text: notice }),
    h('p', { text: 'Sign in to practise your Mastery Profiles.' }),
    form)
  if (error !== undefined) showAlert(error)
}

async function showHome (notice) {
  const mine = await api('GET', 'v1/me/profiles')
  if (lms) return renderLockedHome(mine.profiles, notice)
  renderHome(mine.profiles, notice)
}

function renderHome (profiles, notice) {
  const list = h('ul', { class: 'profiles' }, profiles.map((profile) => h('li', { class: 'profile' },
    h('h2', { text: profile.name }),
    progressBlock(profile),
    h('div', { class: 'actions' },
      button(['Practise', hidden(` ${profile.name}`)], () => startMoment({ profileId: profile.profileId })),
      button(['Knowledge Cards', hidden(` of ${profile.name}`)], () => showCards(profile))))))
  show({ title: 'Your Mastery Profiles', homeButton: false },
    h('h1', { text: 'Your Mastery Profiles' }),
    notice === undefined ? null : h('p', { role: 'status', class: 'notice', text: notice }),
    profiles.length === 0
      ? h('p', { text: 'No Mastery Profile is assigned to you yet. Ask your administrator to assign one.' })
      : h('div', { class: 'play-row' },
        button('Play', () => startMoment({}), { class: 'play' }),
        h('p', { class: 'hint', text: 'Starts a Mastery Moment with activities from all your profiles.' })),
    list)
}

function renderLockedHome (profiles, notice) {
  const profile = profiles.find(p => p.profileId === launch.profile) ?? profiles[0]
  if (profile === undefined) {
    show({ title: 'Course unavailable', homeButton: false },
      h('h1', { text: 'This course is not available' }),
      h('p', { text: 'The Mastery Profile of this course is not assigned to you. Launch the course from your LMS again, or ask your administrator.' }))
    return
  }
  show({ title: profile.name, homeButton: false },
    h('h1', { text: profile.name }),
    notice === undefined ? null : h('p', { role: 'status', class: 'notice', text: notice }),
    progressBlock(profile),
    h('div', { class: 'play-row' },
      button('Play', () => startMoment({ profileId: profile.profileId }), { class: 'play' }),
      h('p', { class: 'hint', text: 'Starts a Mini Moment with activities from this profile.' })),
    h('div', { class: 'actions' }, button('Knowledge Cards', () => showCards(profile))))
}

async function startMoment (body) {
  let moment
  try {
    moment = await api('POST', 'v1/me/moments', body)
  } catch (error) {
    if (error instanceof ApiError && error.code === 'MS_ERR_NOTHING_TO_PRACTISE') return showNothingToPractise()
    throw error
  }
  if (moment.activities.length === 0) return showNothingToPractise()
  showActivity(moment, 0, [])
}

function showNothingToPractise () {
  show({ title: 'Nothing to practise yet' },
    h('h1', { text: 'Nothing to practise yet' }),
    h('p', { text: 'There are no activities to practise here yet. Your administrator is still adding content: check back soon.' }),
    button('Back to home', () => showHome(), { class: 'primary' }))
}

function showActivity (moment, index, results) {
  const activity = moment.activities[index]
  const kind = moment.kind === 'mini' ? 'Mini Moment' : 'Mastery Moment'
  const boxes = activity.options.map((option, i) => h('input', { type: 'checkbox', id: `option-${i}`, name: 'option', value: option.id }))
  const labels = activity.options.map((option, i) => h('label', { for: `option-${i}`, class: 'option-label' }, option.text))
  const options = activity.options.map((_option, i) => h('div', { class: 'option' }, boxes[i], labels[i]))
  const submit = h('button', { type: 'submit', class: 'primary', disabled: true, text: 'Submit' })
  const feedback = h('div', { class: 'feedback', 'aria-live': 'polite' })
  const form = h('form', { class: 'stack' },
    h('fieldset', {}, h('legend', { text: 'Select all that apply' }), options),
    feedback,
    submit)
  const shownAt = performance.now()

  form.addEventListener('change', () => { submit.disabled = !boxes.some(box => box.checked) })
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    if (!boxes.some(box => box.checked)) return
    busy(submit, async () => {
      const selected = boxes.filter(box => box.checked).map(box => box.value)
      const responseMs = Math.min(maxResponseMs, Math.max(0, Math.round(performance.now() - shownAt)))
      for (const box of boxes) box.disabled = true
      let reply
      try {
        reply = await api('POST', `v1/me/moments/${encodeURIComponent(moment.momentId)}/answers`, { activityId: activity.activityId, selected, responseMs })
      } catch (error) {
        for (const box of boxes) box.disabled = false
        throw error
      }
      results.push(reply.correct)
      markOptions(activity, boxes, labels, reply.correctOptionIds)
      const answer = activity.options.filter(o => reply.correctOptionIds.includes(o.id)).map(o => o.text).join(', ')
      feedback.append(
        h('p', { class: reply.correct ? 'verdict correct' : 'verdict wrong', text: reply.correct ? 'Correct!' : `Not quite — the answer was: ${answer}` }),
        h('p', { text: `Your level in this concept is now ${levelText(reply.level)}.` }))
      const last = index + 1 === moment.activities.length
      const next = button('Next', () => last ? showSummary(moment, results) : showActivity(moment, index + 1, results), { class: 'primary' })
      submit.replaceWith(next)
      next.focus()
      if (lms) guarded(reportProgress)
    })
  })

  show({ title: kind },
    h('p', { class: 'eyebrow', text: `${kind} · question ${index + 1} of ${moment.activities.length}` }),
    h('h1', { class: 'prompt', text: activity.prompt }),
    form)
}

/** Shows which options were right in words, not colour alone. */
function markOptions (activity, boxes, labels, correctIds) {
  activity.options.forEach((option, i) => {
    const right = correctIds.includes(option.id)
    const chosen = boxes[i].checked
    if (right) labels[i].append(h('span', { class: 'mark right', text: chosen ? ' ✓ your answer, correct' : ' ✓ correct answer' }))
    else if (chosen) labels[i].append(h('span', { class: 'mark wrong', text: ' ✗ your answer, not correct' }))
  })
}

async function showSummary (moment, results) {
  const mine = await api('GET', 'v1/me/profiles')
  const inScope = moment.kind === 'mini' ? mine.profiles.filter(p => p.profileId === moment.profileId) : mine.profiles
  const right = results.filter(Boolean).length
  show({ title: 'Moment complete' },
    h('h1', { text: 'Moment complete' }),
    h('p', { class: 'score', text: `You answered ${right} of ${results.length} correctly.` }),
    h('ul', { class: 'profiles' }, inScope.map(profile => h('li', { class: 'profile' }, h('h2', { text: profile.name }), progressBlock(profile)))),
    button('Back to home', () => showHome(), { class: 'primary' }))
}

async function showCards (profile) {
  const reply = await api('GET', `v1/me/profiles/${encodeURIComponent(profile.profileId)}/cards`)
  show({ title: 'Knowledge Cards' },
    h('h1', { text: `Knowledge Cards: ${profile.name}` }),
    reply.cards.length === 0
      ? h('p', { text: 'This profile has no Knowledge Cards yet.' })
      : h('ul', { class: 'cards' }, reply.cards.map(card => h('li', { class: 'card' },
        h('h2', { text: card.title }),
        h('p', { class: 'concept', text: `Concept: ${card.conceptTitle}` }),
        h('p', { text: card.body })))),
    button('Back to home', () => showHome()))
}

function showPassword () {
  if (lms) return showHome() // never in an LMS session (R11); the API refuses it too
  const current = h('input', { id: 'current-password', type: 'password', autocomplete: 'current-password', required: true })
  const fresh = h('input', { id: 'new-password', type: 'password', autocomplete: 'new-password', required: true, minlength: 8 })
  const repeat = h('input', { id: 'repeat-password', type: 'password', autocomplete: 'new-password', required: true, minlength: 8 })
  const submit = h('button', { type: 'submit', class: 'primary', text: 'Change password' })
  const form = h('form', { class: 'stack' },
    field('Current password', current),
    field('New password', fresh, 'At least 8 characters.'),
    field('Repeat the new password', repeat),
    submit)
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    busy(submit, async () => {
      if (fresh.value !== repeat.value) return showAlert('The new passwords are not the same. Type the new password twice.')
      const session = await api('PUT', 'v1/me/password', { currentPassword: current.value, newPassword: fresh.value })
      // The change ends every session, this one included; the reply is the new one.
      rememberToken(session.token)
      await showHome('Your password has been changed.')
    })
  })
  show({ title: 'Change password', passwordButton: false },
    h('h1', { text: 'Change password' }),
    h('p', { text: 'Changing your password signs you out everywhere else.' }),
    form,
    button('Cancel', () => showHome()))
}

async function logout () {
  try {
    await api('POST', 'v1/auth/logout')
  } catch {
    // Signed out here whatever the service said: the token is forgotten either way.
  }
  forgetToken()
  showSignIn({ notice: 'You have signed out.' })
}

function exitCourse () {
  exiting = true
  if (parentOrigin === null) return exitDirectly()
  postToParent({ type: 'exit' })
  show({ title: 'Saving' },
    h('h1', { text: 'Saving your progress…' }),
    h('p', { text: 'Your LMS is recording your progress. This takes a moment.' }))
}

// Launched by the LMS without a launcher page around us (AICC, cmi5, xAPI): the service reports
// to the LMS itself, so Exit commits here and closing the window sends the same as a beacon.
function exitDirectly () {
  show({ title: 'Saving' },
    h('h1', { text: 'Saving your progress…' }),
    h('p', { text: 'This takes a moment.' }))
  return guarded(async () => {
    const reply = await api('POST', `v1/lms/sessions/${encodeURIComponent(launch.session)}/exit`, { how: 'exit' })
    forgetToken()
    // cmi5: the LMS said where to go next (LMS.LaunchData returnURL); the service only passes on web addresses.
    if (typeof reply?.returnUrl === 'string' && /^https?:\/\//i.test(reply.returnUrl)) {
      location.assign(reply.returnUrl)
      return
    }
    const lmsNote = reply?.delivery === 'pending'
      ? 'Your LMS will show it as soon as it can be reached. You can close this window.'
      : reply?.delivery === 'failed'
        ? 'Your LMS did not accept it; your administrator can see why. You can close this window.'
        : 'You can close this window and return to your LMS.'
    show({ title: 'Exit', homeButton: false },
      h('h1', { text: 'Your progress has been saved' }),
      h('p', { text: lmsNote }))
  })
}

function exitOnUnload () {
  if (exiting || token === '' || launch.session === '') return
  exiting = true
  const body = JSON.stringify({ how: 'unload', token })
  navigator.sendBeacon(new URL(`v1/lms/sessions/${encodeURIComponent(launch.session)}/exit`, apiBase), new Blob([body], { type: 'text/plain' }))
}

function showEnded (why = 'This session has ended. Launch the course from your LMS again.') {
  show({ title: 'Session ended', homeButton: false },
    h('h1', { text: 'Session ended' }),
    h('p', { class: 'ended', text: why }))
}

// ------------------------------------------------------------------ start

function start () {
  if (lms) {
    listenToParent()
    if (parentOrigin === null) window.addEventListener('pagehide', exitOnUnload)
    if (token === '') return showEnded()
    return guarded(async () => {
      await showHome()
      await reportProgress()
    })
  }
  // Direct use (signing in, a stored session) belongs in a window of its own: framed by some
  // other page, it could be dressed up as something else. The server also forbids framing the
  // direct page; this covers a page framed under an LMS session's looser rule.
  if (window.top !== window) return showFramed()
  if (token === '') return showSignIn()
  return guarded(() => showHome())
}

function showFramed () {
  show({ title: 'Open the player in its own window', homeButton: false },
    h('h1', { text: 'Open the player in its own window' }),
    h('p', { text: 'To sign in and practise, open this page directly in your browser. Courses launched from an LMS open by themselves.' }),
    h('p', {}, h('a', { href: new URL('./', location.href).href, target: '_blank', rel: 'noopener', text: 'Open the player' })))
}

start()
