/* global document, window, location, history, FormData */
// The admin's page, in the words of the help-centre article: Mastery Profiles, each with an
// LMS/SCORM Integration tab (the toggle, +Package, the packages), linking users, and progress.
// Screens follow the URL fragment, so the back button and reloads work:
//   #/profiles                          the Mastery Profiles
//   #/profiles/{id}                     a profile's LMS/SCORM Integration tab
//   #/profiles/{id}/progress            a profile's Progress tab
//   #/profiles/{id}/learners/{id}       one learner's progress over time and LMS commits
//   #/links                             linking users
// Nothing is cached between screens: each asks the API again.
import { api, download, session, ApiError } from './api.js'
import { bytes, checkField, duration, field, fieldError, h, hidden, percent, table, uid, when } from './dom.js'
import { progressChart } from './chart.js'

const main = document.getElementById('main')
const nav = document.getElementById('nav')
const alertRegion = document.getElementById('alert')

/** Bumped on every screen change: async work of a screen that is gone stops quietly. */
let screen = 0
let account = null
/** Set when the arrow keys moved between tabs: the next screen keeps focus on its tab. */
let focusTabNext = false

// ------------------------------------------------------------------ errors and actions

/** Words a person can act on, for the codes where the API's message speaks to programs. */
function explain (error) {
  if (!(error instanceof ApiError)) return `Something went wrong on this page: ${error instanceof Error ? error.message : String(error)}`
  if (error.code === 'MS_ERR_LMS_LINK_CONFLICT') {
    const holder = learnerName(error.details?.linkedLearnerId)
    const id = error.details?.lmsUserId ?? 'This LMS user id'
    if (holder !== undefined) return `"${id}" is already linked to ${holder}. One LMS user id belongs to one learner, and links are never merged: unlink it from ${holder} first (in the list of links below), then link it again.`
  }
  if (error.code === 'MS_ERR_PACKAGE_NOT_READY') return 'This package is still being generated. The download appears as soon as it is ready.'
  return error.message
}

function errorBlock (error) {
  const code = error instanceof ApiError && error.code !== 'NETWORK' ? error.code : undefined
  return [h('p', { text: explain(error) }), code === undefined ? null : h('p', { class: 'code', text: `Error code: ${code}` })]
}

/** Shows the error where the admin acted (a region with role="alert"), or at the top. */
function showError (error, where = alertRegion) {
  // A key that stops working mid-session (revoked) ends the session; on the sign-in form it is just the answer.
  if (error instanceof ApiError && error.status === 401 && session.signedIn) {
    session.signOut()
    account = null
    return showSignIn(`${error.message} Sign in again with a valid admin key.`)
  }
  // Emptied first so the same message twice is announced twice.
  where.textContent = ''
  where.append(...errorBlock(error).filter(Boolean))
}

function clearErrors () {
  alertRegion.textContent = ''
}

/** Runs an action from a button: disabled meanwhile, so a double click sends once. */
async function busy (button, work, where) {
  if (button.getAttribute('aria-disabled') === 'true') return
  button.setAttribute('aria-disabled', 'true')
  button.classList.add('busy')
  if (where !== undefined) where.textContent = ''
  clearErrors()
  try {
    await work()
  } catch (error) {
    showError(error, where)
  } finally {
    button.removeAttribute('aria-disabled')
    button.classList.remove('busy')
  }
}

function button (label, onclick, { where, ...props } = {}) {
  const element = h('button', { type: 'button', ...props }, label)
  element.addEventListener('click', () => busy(element, () => onclick(element), where))
  return element
}

const alertBox = () => h('div', { class: 'inline-alert', role: 'alert' })

// ------------------------------------------------------------------ screens

function render (title, ...content) {
  main.textContent = ''
  const heading = h('h1', { tabindex: '-1', text: title })
  main.append(heading, ...content.flat().filter(Boolean))
  document.title = `${title} · mastery-sync admin`
  return heading
}

function renderNav () {
  nav.textContent = ''
  if (account === null) return
  const here = location.hash.startsWith('#/links') ? 'links' : 'profiles'
  nav.append(
    h('a', { href: '#/profiles', 'aria-current': here === 'profiles' ? 'page' : undefined, text: 'Mastery Profiles' }),
    h('a', { href: '#/links', 'aria-current': here === 'links' ? 'page' : undefined, text: 'Linking users' }),
    h('span', { class: 'who', text: `${account.name} · ${planName(account.plan)} plan` }),
    h('button', { type: 'button', onclick: signOut, text: 'Sign out' }))
}

const planName = (plan) => plan.charAt(0).toUpperCase() + plan.slice(1)

function planNotice () {
  if (account?.lmsIntegrationAvailable !== false) return null
  return h('div', { class: 'notice' },
    h('p', { text: `LMS/SCORM integration is only available on the Growth and Enterprise plans; this account is on the ${planName(account.plan)} plan. Contact our support team to upgrade.` }))
}

function signOut () {
  session.signOut()
  account = null
  // Without a hashchange: the sign-in screen below is the one to show.
  history.replaceState(null, '', location.pathname)
  showSignIn(null, 'You are signed out. The admin key was removed from this browser tab.')
}

function showSignIn (error, note) {
  screen++
  nav.textContent = ''
  const key = h('input', { id: 'admin-key', type: 'password', autocomplete: 'off', spellcheck: 'false', required: true })
  const where = alertBox()
  const submit = h('button', { type: 'submit', class: 'primary', text: 'Sign in' })
  const form = h('form', { class: 'card', novalidate: true },
    field('Admin key', key, 'The key starts with msk_. It is kept in this browser tab only, until you sign out or close the tab.'),
    where,
    h('div', { class: 'actions' }, submit))
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    busy(submit, async () => {
      const value = key.value.trim()
      if (value === '') return fieldError(key, 'Enter your admin key.')
      fieldError(key, null)
      session.use(value, { remember: false })
      try {
        account = await api('GET', '/v1/account')
      } catch (failure) {
        session.signOut()
        throw failure
      }
      session.use(value)
      // Back to the screen asked for before signing in, if any.
      if (location.hash === '' || location.hash === '#') location.hash = '#/profiles'
      else await route()
    }, where)
  })
  render('Sign in to mastery-sync admin',
    note === undefined ? null : h('p', { role: 'status', text: note }),
    h('p', { text: 'Manage LMS/SCORM packages, link your users and follow their progress.' }),
    form)
  if (error !== undefined && error !== null) where.append(h('p', { text: error }))
  key.focus()
}

async function showProfiles () {
  const profiles = await api('GET', '/v1/profiles')
  const list = profiles.length === 0
    ? h('p', { text: 'This account has no Mastery Profiles yet.' })
    : h('ul', { class: 'cards' }, profiles.map(p => h('li', { class: 'card' },
      h('h2', {}, h('a', { href: `#/profiles/${encodeURIComponent(p.profileId)}`, text: p.name })),
      h('p', { class: 'meta', text: `${p.modules.length} ${p.modules.length === 1 ? 'module' : 'modules'} · LMS/SCORM integration ${p.lmsIntegration.enabled ? 'on' : 'off'}` }))))
  render('Mastery Profiles', planNotice(), list).focus()
}

// ------------------------------------------------------------------ a profile's panel

const tabs = [
  { id: 'integration', label: 'LMS/SCORM Integration', hash: (p) => `#/profiles/${encodeURIComponent(p)}` },
  { id: 'progress', label: 'Progress', hash: (p) => `#/profiles/${encodeURIComponent(p)}/progress` }
]

function tabList (profileId, selected) {
  const list = h('div', { role: 'tablist', 'aria-label': 'Profile', class: 'tabs' })
  const buttons = tabs.map((tab, i) => {
    const isSelected = tab.id === selected
    const element = h('button', {
      type: 'button', role: 'tab', id: `tab-${tab.id}`, 'aria-selected': String(isSelected), 'aria-controls': 'tabpanel', tabindex: isSelected ? '0' : '-1', text: tab.label
    })
    element.addEventListener('click', () => { if (!isSelected) location.hash = tab.hash(profileId) })
    // Arrow keys move between tabs, as in any tab list (WAI-ARIA authoring practices).
    element.addEventListener('keydown', (event) => {
      const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0
      if (event.key === 'Home' || event.key === 'End' || step !== 0) {
        event.preventDefault()
        const next = event.key === 'Home' ? 0 : event.key === 'End' ? tabs.length - 1 : (i + step + tabs.length) % tabs.length
        focusTabNext = true
        location.hash = tabs[next].hash(profileId)
      }
    })
    return element
  })
  list.append(...buttons)
  return list
}

async function showProfile (profileId, tab, focusTab) {
  const profile = await api('GET', `/v1/profiles/${encodeURIComponent(profileId)}`)
  const panel = h('div', { role: 'tabpanel', id: 'tabpanel', 'aria-labelledby': `tab-${tab}`, tabindex: '0', class: 'tabpanel' })
  const heading = render(profile.name,
    h('p', { class: 'breadcrumb' }, h('a', { href: '#/profiles', text: '← Mastery Profiles' })),
    h('p', { class: 'meta', text: `Mastery Profile · ${profile.modules.map(m => `${m.title} (goal ${m.goal})`).join(', ') || 'no modules yet'}` }),
    tabList(profileId, tab),
    panel)
  if (tab === 'integration') await integrationTab(panel, profile)
  else await progressTab(panel, profile)
  if (focusTab) document.getElementById(`tab-${tab}`)?.focus()
  else heading.focus()
}

// ------------------------------------------------------------------ LMS/SCORM Integration tab

async function integrationTab (panel, profile) {
  const formats = await api('GET', '/v1/package-formats')
  const packagesList = h('div', { class: 'packages' })
  const formSlot = h('div')
  const addButton = h('button', { type: 'button', class: 'primary', 'aria-expanded': 'false', 'aria-controls': 'new-package', text: '+Package' })
  addButton.addEventListener('click', () => {
    if (formSlot.firstChild !== null) return formSlot.querySelector('input')?.focus()
    addButton.setAttribute('aria-expanded', 'true')
    formSlot.append(newPackageForm(profile, formats, {
      close: (created) => {
        formSlot.textContent = ''
        addButton.setAttribute('aria-expanded', 'false')
        if (created === undefined) return addButton.focus()
        packages.refresh().then(() => document.getElementById(`package-${created.packageId}`)?.focus())
      }
    }))
    formSlot.querySelector('input')?.focus()
  })
  const packages = packageList(profile, formats, packagesList)
  panel.append(...[
    planNotice(),
    toggleSection(profile),
    h('section', { 'aria-labelledby': 'packages-heading' },
      h('div', { class: 'section-head' }, h('h2', { id: 'packages-heading', text: 'Packages' }), addButton),
      h('p', { class: 'hint', text: 'Export this Mastery Profile as a package for your LMS. You can create several packages from the same profile. Generating a package can take a moment: its download appears as soon as it is ready.' }),
      formSlot,
      packagesList)
  ].filter(Boolean))
  await packages.refresh()
}

function toggleSection (profile) {
  let enabled = profile.lmsIntegration.enabled
  const describe = () => enabled
    ? 'On: learners can launch this course from their LMS.'
    : 'Off: learners can\'t launch this course from their LMS; they see an error message instead.'
  const state = h('span', { class: 'switch-state', 'aria-hidden': 'true' })
  const meaning = h('p', { id: 'toggle-meaning', role: 'status' })
  const where = alertBox()
  const toggle = h('button', { type: 'button', role: 'switch', class: 'switch', 'aria-describedby': 'toggle-meaning' },
    h('span', { class: 'switch-track', 'aria-hidden': 'true' }, h('span', { class: 'switch-thumb' })),
    h('span', { text: 'LMS/SCORM Integration' }), state)
  const show = () => {
    toggle.setAttribute('aria-checked', String(enabled))
    state.textContent = enabled ? 'On' : 'Off'
    meaning.textContent = describe()
  }
  toggle.addEventListener('click', () => busy(toggle, async () => {
    const written = await api('PUT', `/v1/profiles/${encodeURIComponent(profile.profileId)}/lms-integration`, { enabled: !enabled })
    // Shown as the service now has it, read back at the position of the write.
    const fresh = await api('GET', `/v1/profiles/${encodeURIComponent(profile.profileId)}`, undefined, { headers: { 'x-min-position': String(written.position) } })
    enabled = fresh.lmsIntegration.enabled
    show()
  }, where))
  show()
  return h('section', { 'aria-labelledby': 'toggle-heading', class: 'card' },
    h('h2', { id: 'toggle-heading', text: 'LMS/SCORM Integration toggle' }),
    toggle,
    meaning,
    where,
    h('p', { class: 'hint', text: 'Learners launching from an LMS always see the live content: changes to a module show at once, in the LMS and in the apps.' }))
}

function newPackageForm (profile, formats, { close }) {
  const title = h('input', { id: 'package-title', type: 'text', maxlength: '200', required: true, 'aria-required': 'true' })
  const description = h('textarea', { id: 'package-description', rows: '3', maxlength: '10000' })
  const where = alertBox()
  const save = h('button', { type: 'submit', class: 'primary', text: 'Save' })
  const radios = formats.formats.map(f => {
    const id = `format-${f.format}`
    const hintId = `${id}-hint`
    return h('div', { class: 'choice' },
      h('input', { type: 'radio', name: 'format', id, value: f.format, checked: f.format === 'scorm12', disabled: !f.available, 'aria-describedby': hintId }),
      h('label', { for: id }, f.name, f.recommended ? h('span', { class: 'tag', text: 'recommended if your LMS has it' }) : null),
      h('p', { class: 'hint', id: hintId, text: f.guidance }))
  })
  const form = h('form', { class: 'card', id: 'new-package', novalidate: true, 'aria-labelledby': 'new-package-heading' },
    h('h3', { id: 'new-package-heading', text: 'New package' }),
    field('Title', title, 'The course name. When a learner launches the course, it is the name in the browser tab.'),
    field('Description (optional)', description, 'A short note for you to reference. Only visible to admins; never put in the package.'),
    h('fieldset', {},
      h('legend', { text: 'Format' }),
      h('p', { class: 'hint', text: formats.guidance }),
      radios),
    where,
    h('div', { class: 'actions' }, save, h('button', { type: 'button', onclick: () => close(), text: 'Cancel' })))
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    busy(save, async () => {
      if (title.value.trim() === '') {
        fieldError(title, 'Enter a title: learners see it in the browser tab.')
        return title.focus()
      }
      fieldError(title, null)
      const body = { title: title.value.trim(), format: new FormData(form).get('format') }
      if (description.value.trim() !== '') body.description = description.value.trim()
      const created = await api('POST', `/v1/profiles/${encodeURIComponent(profile.profileId)}/packages`, body)
      close(created)
    }, where)
  })
  return form
}

/** The profile's packages; while one is generating, asked again until it is ready. */
function packageList (profile, formats, container) {
  const owner = screen
  const open = new Set()
  const notices = new Map()
  const formatName = (format) => formats.formats.find(f => f.format === format)?.name ?? format
  let timer

  // Ready packages are announced here once, rather than the whole list on every redraw.
  const live = h('p', { class: 'visually-hidden', role: 'status' })
  const drawn = new Map()
  const statuses = new Map()

  async function refresh () {
    const { packages } = await api('GET', `/v1/profiles/${encodeURIComponent(profile.profileId)}/packages`)
    if (owner !== screen) return
    draw(packages)
    const ready = packages.filter(p => p.status === 'ready' && statuses.get(p.packageId) === 'building')
    if (ready.length > 0) live.textContent = ready.map(p => `${p.title} (${formatName(p.format)}) is ready to download.`).join(' ')
    for (const p of packages) statuses.set(p.packageId, p.status)
    if (timer === undefined && packages.some(p => p.status === 'building')) {
      timer = setTimeout(() => {
        timer = undefined
        if (owner === screen) refresh().catch(error => showError(error))
      }, 500)
    }
  }

  /**
   * Redraws only the packages that changed, so polling for one that is generating leaves the
   * others (and what the admin is typing in their details) alone.
   */
  function draw (packages) {
    const focusedId = container.contains(document.activeElement) ? document.activeElement.id : ''
    if (packages.length === 0) {
      drawn.clear()
      container.replaceChildren(h('p', { text: 'No packages yet. Choose +Package to create one.' }), live)
      return
    }
    let list = container.querySelector('ul.package-list')
    if (list === null) {
      list = h('ul', { class: 'package-list' })
      container.replaceChildren(list, live)
    }
    const current = new Set(packages.map(p => p.packageId))
    for (const [id, d] of drawn) {
      if (!current.has(id)) {
        d.element.remove()
        drawn.delete(id)
      }
    }
    for (const p of packages) {
      const key = JSON.stringify([p, open.has(p.packageId), notices.get(p.packageId)])
      const old = drawn.get(p.packageId)
      if (old?.key === key) continue
      const element = item(p)
      if (old === undefined) list.append(element)
      else old.element.replaceWith(element)
      drawn.set(p.packageId, { key, element })
    }
    // A redrawn package keeps the focus it had (e.g. on its Details button).
    if (focusedId !== '' && !container.contains(document.activeElement)) document.getElementById(focusedId)?.focus()
  }

  function item (p) {
    const label = `${p.title} (${formatName(p.format)})`
    const detailsId = `package-details-${p.packageId}`
    const expanded = open.has(p.packageId)
    const toggle = h('button', { type: 'button', id: `details-${p.packageId}`, class: 'link', 'aria-expanded': String(expanded), 'aria-controls': detailsId }, expanded ? 'Hide details' : 'Details', hidden(` of ${label}`))
    toggle.addEventListener('click', () => {
      if (open.has(p.packageId)) open.delete(p.packageId)
      else open.add(p.packageId)
      refresh().catch(error => showError(error))
    })
    const where = alertBox()
    return h('li', { class: `package ${p.status}`, id: `package-${p.packageId}`, tabindex: '-1' },
      h('div', { class: 'package-head' },
        h('div', {},
          h('h3', { text: p.title }),
          h('p', { class: 'meta', text: `${formatName(p.format)} · revision ${p.revision}` })),
        h('div', { class: 'package-actions' }, status(p, label, where), toggle)),
      where,
      notices.has(p.packageId) ? h('p', { class: 'notice', role: 'status', text: notices.get(p.packageId) }) : null,
      p.notice === undefined || p.status === 'retired' ? null : h('p', { class: 'notice warning', text: p.notice }),
      expanded ? details(p, detailsId) : null)
  }

  function status (p, label, where) {
    if (p.status === 'building') return h('span', { class: 'generating', text: 'Generating…' })
    if (p.status === 'retired') return h('span', { class: 'badge', text: 'Retired' })
    if (p.status === 'failed') return h('span', { class: 'badge bad', text: 'Generation failed' })
    return button([h('span', { 'aria-hidden': 'true', class: 'icon', text: '⬇' }), 'Download', hidden(` ${label}`)], async () => {
      saveFile(await download(`/v1/packages/${encodeURIComponent(p.packageId)}/download`, p.fileName ?? 'package.zip'))
    }, { class: 'primary', id: `download-${p.packageId}`, where })
  }

  function details (p, id) {
    const title = h('input', { id: `title-${p.packageId}`, type: 'text', maxlength: '200', value: p.title })
    const description = h('textarea', { id: `description-${p.packageId}`, rows: '3', maxlength: '10000' })
    description.value = p.description ?? ''
    const revoke = h('input', { type: 'checkbox', id: `revoke-${p.packageId}` })
    const where = alertBox()
    const save = h('button', { type: 'submit', class: 'primary', text: 'Save changes' })
    const retired = p.status === 'retired'
    const actions = h('div', { class: 'actions' }, save)
    const form = h('form', { novalidate: true, 'aria-label': `Edit ${p.title}` },
      field('Title', title, 'Changing the title needs a new download: download the package again and re-upload it to your LMS. Packages already uploaded keep working.'),
      field('Description (optional)', description, 'Only visible to admins. Empty it to remove it.'),
      checkField('Stop earlier downloads from launching', revoke, 'For a copy of the zip that was shared where it should not be. Zips downloaded before you save stop launching at once: download the package again and upload it to every LMS that uses it.'),
      where,
      actions)
    const saveChanges = async (body) => {
      const revised = await api('PATCH', `/v1/packages/${encodeURIComponent(p.packageId)}`, body)
      notices.set(p.packageId, body.revokeEarlierLaunchKeys === true
        ? `Saved as revision ${revised.revision}. Earlier downloads no longer launch: download the package again and upload it to every LMS that uses it.`
        : body.title === undefined
          ? 'Saved.'
          : `Saved as revision ${revised.revision}. The new title shows only in a new download: download the package again and re-upload it to your LMS.`)
      await refresh()
    }
    // Stopping earlier downloads breaks every zip already in an LMS: ask first, as retiring does.
    const confirmRevoke = (body) => {
      const confirmId = uid('confirm')
      const yes = button('Stop earlier downloads and save', () => saveChanges(body), { class: 'danger', 'aria-describedby': confirmId, where })
      const no = h('button', { type: 'button', text: 'Cancel' })
      no.addEventListener('click', () => { actions.textContent = ''; actions.append(save); save.focus() })
      actions.textContent = ''
      actions.append(h('p', { id: confirmId, text: `Stop every earlier download of "${p.title}" from launching? Learners who launch a zip downloaded before now are refused until you upload the new download to their LMS.` }), yes, no)
      yes.focus()
    }
    form.addEventListener('submit', (event) => {
      event.preventDefault()
      busy(save, async () => {
        if (title.value.trim() === '') return fieldError(title, 'Enter a title.')
        fieldError(title, null)
        const body = {}
        if (title.value.trim() !== p.title) body.title = title.value.trim()
        const described = description.value.trim()
        if (described !== (p.description ?? '').trim()) body.description = described === '' ? null : described
        if (revoke.checked) body.revokeEarlierLaunchKeys = true
        if (Object.keys(body).length === 0) {
          notices.set(p.packageId, 'Nothing changed.')
          return refresh()
        }
        if (body.revokeEarlierLaunchKeys === true) return confirmRevoke(body)
        await saveChanges(body)
      }, where)
    })
    const facts = [
      ['Format', formatName(p.format)],
      ['Status', { building: 'Generating…', ready: 'Ready to download', failed: `Generation failed: ${p.failure ?? ''}`, retired: 'Retired' }[p.status]],
      ['Revision', String(p.revision)],
      p.earliestLaunchRevision === undefined ? null : ['Launches', `Only downloads of revision ${p.earliestLaunchRevision} or later; earlier ones were stopped`],
      ['Description', p.description ?? '—'],
      p.fileName === undefined ? null : ['File', `${p.fileName} (${bytes(p.size)})`],
      p.checksum === undefined ? null : ['SHA-256', p.checksum],
      ['Created', when(p.createdAt)],
      ['Changed', when(p.updatedAt)]
    ].filter(Boolean)
    return h('div', { id, class: 'package-details' },
      h('dl', {}, facts.map(([k, v]) => [h('dt', { text: k }), h('dd', { text: v })])),
      retired ? h('p', { text: 'This package was retired: learners launching it from an LMS see a message that the course was retired.' }) : [form, retireControl(p)])
  }

  function retireControl (p) {
    const where = alertBox()
    const slot = h('div', { class: 'retire' })
    const ask = h('button', { type: 'button', class: 'danger', id: `retire-${p.packageId}`, text: 'Retire package…' })
    ask.addEventListener('click', () => {
      const confirmId = uid('confirm')
      const yes = button('Retire package', async () => {
        await api('DELETE', `/v1/packages/${encodeURIComponent(p.packageId)}`)
        notices.set(p.packageId, 'Retired. Learners launching it from an LMS now see a message that the course was retired.')
        await refresh()
      }, { class: 'danger', 'aria-describedby': confirmId, where })
      const no = h('button', { type: 'button', text: 'Keep it' })
      no.addEventListener('click', () => { slot.textContent = ''; slot.append(ask); ask.focus() })
      slot.textContent = ''
      slot.append(h('p', { id: confirmId, text: `Retire "${p.title}"? Learners who launch it from an LMS will see a message instead of the course. This cannot be undone.` }), h('div', { class: 'actions' }, yes, no), where)
      yes.focus()
    })
    slot.append(ask)
    return slot
  }

  return { refresh }
}

// ------------------------------------------------------------------ progress

/** Hands a downloaded file to the browser as a download of its own name. */
function saveFile (file) {
  const url = URL.createObjectURL(file.blob)
  const link = h('a', { href: url, download: file.name, class: 'visually-hidden', text: file.name })
  document.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}

async function progressTab (panel, profile) {
  const { learners } = await api('GET', `/v1/profiles/${encodeURIComponent(profile.profileId)}/progress`)
  panel.append(h('h2', { text: 'Learners and their progress' }),
    h('p', { class: 'hint', text: 'Progress is the same whether learners practise in the app or launch from an LMS. The LMS hears about it when a course launched from it exits.' }))
  if (learners.length === 0) {
    panel.append(h('p', { text: 'No learners are assigned this profile yet. Learners who launch it from an LMS are assigned it automatically.' }))
    return
  }
  const rows = learners.map(l => {
    const value = percent(l.progress, l.mastered)
    return [
      h('span', {}, l.name, h('br'), h('span', { class: 'meta', text: l.email })),
      h('span', { class: 'progress-cell' }, h('progress', { max: '100', value: String(value), 'aria-label': `Progress of ${l.name}` }), ` ${value}%`),
      l.mastered ? h('strong', { text: 'Mastered' }) : 'Not yet',
      h('a', { href: `#/profiles/${encodeURIComponent(profile.profileId)}/learners/${encodeURIComponent(l.learnerId)}` }, 'Progress over time', hidden(` of ${l.name}`))
    ]
  })
  panel.append(table(`Learners of ${profile.name}`, ['Learner', 'Progress', 'Mastered', 'Details'], rows, { id: 'progress-table' }))
  const where = alertBox()
  panel.append(h('p', {}, button('Download as CSV', async () => {
    const file = await download(`/v1/profiles/${encodeURIComponent(profile.profileId)}/progress.csv`, 'progress.csv')
    saveFile(file)
  }, { id: 'progress-csv', where })), where)
}

/** Instants to ask about: from when the profile was assigned until now, evenly spread. */
function instants (from, to, count) {
  const start = Math.min(from, to - 1000)
  return Array.from({ length: count }, (_, i) => Math.round(start + (to - start) * i / (count - 1)))
}

async function showLearner (profileId, learnerId) {
  const p = encodeURIComponent(profileId)
  const l = encodeURIComponent(learnerId)
  const [profile, learner, links, { commits }, { packages }, formats] = await Promise.all([
    api('GET', `/v1/profiles/${p}`),
    api('GET', `/v1/learners/${l}`),
    api('GET', `/v1/learners/${l}/lms-links`),
    api('GET', `/v1/learners/${l}/lms-commits?profileId=${p}`),
    api('GET', `/v1/profiles/${p}/packages`),
    api('GET', '/v1/package-formats')
  ])
  const formatNames = new Map(formats.formats.map(f => [f.format, f.name]))
  const assigned = learner.assignedProfiles.find(a => a.profileId === profileId)
  const now = await api('GET', `/v1/learners/${l}/mastery`)
  const at = Date.parse(now.asOf)
  const from = Date.parse(assigned?.assignedAt ?? learner.registeredAt)
  // Mastery as of past instants, from the public API (a pure fold of the events up to each).
  const past = await Promise.all(instants(from, at, 12).slice(0, -1).map(t => api('GET', `/v1/learners/${l}/mastery?asOf=${encodeURIComponent(new Date(t).toISOString())}`)))
  const point = (reply) => {
    const m = reply.profiles.find(x => x.profileId === profileId)
    return { at: Date.parse(reply.asOf), percent: m === undefined ? 0 : percent(m.progress, m.mastered), mastered: m?.mastered === true }
  }
  const points = [...past.map(point), point(now)]
  const current = points[points.length - 1]
  const titles = new Map(packages.map(x => [x.packageId, x.title]))

  const commitRows = commits.map(c => [
    when(c.committedAt),
    titles.get(c.packageId) ?? c.packageId,
    formatNames.get(c.format) ?? c.format,
    c.successStatus === 'passed' ? 'completed, passed' : c.completionStatus,
    `${c.scoreRaw}`,
    duration(c.sessionMs),
    duration(c.totalLmsMs)
  ])
  render(`${learner.name}: ${profile.name}`,
    h('p', { class: 'breadcrumb' }, h('a', { href: `#/profiles/${p}/progress`, text: `← Progress in ${profile.name}` })),
    h('p', { class: 'meta', text: `${learner.email} · LMS user ids: ${links.links.map(x => x.lmsUserId).join(', ') || 'none linked'}` }),
    h('p', { class: 'summary' }, `Progress now: ${current.percent}% · `, current.mastered ? h('strong', { text: 'Mastered' }) : 'not mastered yet'),
    h('section', { 'aria-labelledby': 'chart-heading' },
      h('h2', { id: 'chart-heading', text: 'Progress over time' }),
      progressChart(points, { title: `Progress of ${learner.name} in ${profile.name}` })),
    h('section', { 'aria-labelledby': 'commits-heading' },
      h('h2', { id: 'commits-heading', text: 'LMS commit history' }),
      h('p', { class: 'hint', text: 'What the LMS was told, each time a course launched from it exited. Progress made in the app reaches the LMS at the next launch and exit.' }),
      commits.length === 0
        ? h('p', { text: 'Nothing was sent to an LMS yet.' })
        : table('LMS commits, oldest first', ['When', 'Package', 'Format', 'Status sent', 'Score', 'This session', 'LMS time in all'], commitRows, { id: 'commits-table' }))).focus()
}

// ------------------------------------------------------------------ linking users

let learnersById = new Map()
const learnerName = (id) => {
  const l = learnersById.get(id)
  return l === undefined ? undefined : `${l.name} (${l.email})`
}

async function showLinks () {
  const [{ learners }, { links }] = await Promise.all([api('GET', '/v1/learners'), api('GET', '/v1/lms-links')])
  learnersById = new Map(learners.map(l => [l.learnerId, l]))
  const owner = screen

  // Link one learner
  const learnerSelect = h('select', { id: 'link-learner' },
    h('option', { value: '', text: 'Choose a learner' }),
    learners.map(l => h('option', { value: l.learnerId, text: `${l.name} — ${l.email}` })))
  const lmsUserId = h('input', { id: 'link-lms-user-id', type: 'text', autocomplete: 'off', spellcheck: 'false', maxlength: '255' })
  const linkWhere = alertBox()
  const linkStatus = h('p', { role: 'status' })
  const linkButton = h('button', { type: 'submit', class: 'primary', text: 'Link' })
  const linkForm = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'link-one-heading' },
    h('h2', { id: 'link-one-heading', text: 'Link one learner' }),
    field('Learner', learnerSelect),
    field('LMS user id', lmsUserId, 'The student id your LMS sends when the learner launches a course, e.g. student-0042. Letters are case-sensitive.'),
    linkWhere, linkStatus,
    h('div', { class: 'actions' }, linkButton))
  linkForm.addEventListener('submit', (event) => {
    event.preventDefault()
    linkStatus.textContent = ''
    busy(linkButton, async () => {
      const bad = learnerSelect.value === '' || lmsUserId.value.trim() === ''
      fieldError(learnerSelect, learnerSelect.value === '' ? 'Choose the learner to link.' : null)
      fieldError(lmsUserId, lmsUserId.value.trim() === '' ? 'Enter the LMS user id.' : null)
      if (bad) return (learnerSelect.value === '' ? learnerSelect : lmsUserId).focus()
      const r = await api('POST', `/v1/learners/${encodeURIComponent(learnerSelect.value)}/lms-links`, { lmsUserId: lmsUserId.value.trim() })
      await refreshLinks()
      linkStatus.textContent = `Linked "${r.lmsUserId}" to ${learnerName(r.learnerId)}.`
      lmsUserId.value = ''
    }, linkWhere)
  })

  // Import a CSV
  const file = h('input', { id: 'import-file', type: 'file', accept: '.csv,text/csv,text/plain' })
  const importWhere = alertBox()
  const importResult = h('div', { id: 'import-result' })
  const importButton = h('button', { type: 'submit', class: 'primary', text: 'Import' })
  const importForm = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'import-heading' },
    h('h2', { id: 'import-heading', text: 'Import links from a CSV file' }),
    field('CSV file', file, 'Two columns: learner (email or learner id) and lmsUserId. A header row is optional. Each row is linked on its own: a bad row fails alone.'),
    importWhere,
    h('div', { class: 'actions' }, importButton),
    importResult)
  importForm.addEventListener('submit', (event) => {
    event.preventDefault()
    importResult.textContent = ''
    busy(importButton, async () => {
      const chosen = file.files?.[0]
      if (chosen === undefined) {
        fieldError(file, 'Choose a CSV file to import.')
        return file.focus()
      }
      fieldError(file, null)
      const report = await api('POST', '/v1/lms-links/import', await chosen.text(), { contentType: 'text/csv' })
      await refreshLinks()
      const rows = report.rows.map(r => [
        String(r.row), r.learner, r.lmsUserId,
        r.status === 'failed' ? h('strong', { class: 'bad', text: 'Failed' }) : r.status === 'linked' ? 'Linked' : 'Already linked',
        r.status === 'failed' ? `${r.message ?? ''}${r.code === undefined ? '' : ` (${r.code})`}` : (learnerName(r.learnerId) ?? '')
      ])
      importResult.append(
        h('p', { role: 'status', class: report.failed > 0 ? 'notice' : undefined, text: `${report.linked} linked, ${report.unchanged} already linked, ${report.failed} failed.${report.failed > 0 ? ' Fix the failed rows and import them again.' : ''}` }),
        table('Import result, row by row', ['Row', 'Learner', 'LMS user id', 'Result', 'Learner linked, or what to do'], rows, { id: 'import-table' }))
    }, importWhere)
  })

  const linksSlot = h('div', { id: 'links' })
  const listWhere = alertBox()
  async function refreshLinks () {
    const { links } = await api('GET', '/v1/lms-links')
    if (owner !== screen) return
    drawLinks(links)
  }
  function drawLinks (links) {
    linksSlot.textContent = ''
    if (links.length === 0) return linksSlot.append(h('p', { text: 'No LMS users are linked yet.' }))
    const how = { admin: 'By an admin', import: 'CSV import', provisioned: 'Created at launch' }
    linksSlot.append(table('Linked LMS users', ['LMS user id', 'Learner', 'How', 'Linked', 'Action'], links.map(x => [
      x.lmsUserId,
      learnerName(x.learnerId) ?? x.learnerId,
      how[x.source] ?? x.source,
      when(x.linkedAt),
      button(['Unlink', hidden(` ${x.lmsUserId} from ${learnersById.get(x.learnerId)?.name ?? x.learnerId}`)], async () => {
        await api('DELETE', `/v1/learners/${encodeURIComponent(x.learnerId)}/lms-links/${encodeURIComponent(x.lmsUserId)}`)
        await refreshLinks()
        linkStatus.textContent = ''
        listWhere.textContent = ''
        listWhere.append(h('p', { role: 'status', text: `Unlinked "${x.lmsUserId}". That LMS user can't launch courses until it is linked again.` }))
      }, { class: 'danger small', where: listWhere })
    ]), { id: 'links-table' }))
  }
  drawLinks(links)

  render('Linking users',
    h('p', { text: 'To launch a course from an LMS, mastery-sync must know who your users are: link each LMS user id to a learner. One LMS user id belongs to one learner; a link to another learner is refused, never merged.' }),
    linkForm, importForm,
    h('section', { 'aria-labelledby': 'links-heading' }, h('h2', { id: 'links-heading', text: 'Links' }), listWhere, linksSlot)).focus()
}

// ------------------------------------------------------------------ routing

async function route () {
  screen++
  clearErrors()
  if (!session.signedIn) return showSignIn()
  if (account === null) account = await api('GET', '/v1/account')
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent)
  const focusTab = focusTabNext
  focusTabNext = false
  renderNav()
  main.setAttribute('aria-busy', 'true')
  try {
    if (parts[0] === 'links') return await showLinks()
    if (parts[0] === 'profiles' && parts[1] !== undefined) {
      if (parts[2] === 'learners' && parts[3] !== undefined) return await showLearner(parts[1], parts[3])
      return await showProfile(parts[1], parts[2] === 'progress' ? 'progress' : 'integration', focusTab)
    }
    return await showProfiles()
  } finally {
    main.removeAttribute('aria-busy')
  }
}

async function guardedRoute () {
  try {
    await route()
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return showError(error)
    render('Something went wrong').focus()
    showError(error)
  }
}

window.addEventListener('hashchange', guardedRoute)
guardedRoute()
