/* global sessionStorage, fetch, location */
// The page's only way to the service: the public /v1 API with the admin key as a bearer token.
// The key lives in sessionStorage (this tab only, gone when it closes) and in no cookie, so no
// other site can make the browser use it.

const storageKey = 'mastery-sync.admin.key'

// The API sits beside /admin/ on the same origin, wherever the service is mounted.
const apiBase = new URL('../', location.href)

let key = readKey()

function readKey () {
  try {
    return sessionStorage.getItem(storageKey) ?? ''
  } catch {
    return '' // storage blocked: signed in for this page view only
  }
}

export const session = {
  get signedIn () { return key !== '' },
  /** Uses the key for the next calls; `remember` keeps it for reloads of this tab. */
  use (value, { remember = true } = {}) {
    key = value
    if (!remember) return
    try {
      sessionStorage.setItem(storageKey, value)
    } catch {
      // kept in memory only
    }
  },
  signOut () {
    key = ''
    try {
      sessionStorage.removeItem(storageKey)
    } catch {
      // nothing stored
    }
  }
}

export class ApiError extends Error {
  constructor (status, code, message, details) {
    super(message)
    this.status = status
    this.code = code
    this.details = details
  }
}

async function call (method, path, { body, contentType, headers: extra = {} } = {}) {
  const headers = { ...extra, accept: 'application/json', authorization: `Bearer ${key}` }
  if (body !== undefined) headers['content-type'] = contentType ?? 'application/json'
  try {
    return await fetch(new URL(path, apiBase), {
      method,
      headers,
      body: body === undefined ? undefined : contentType === undefined ? JSON.stringify(body) : body,
      cache: 'no-store',
      credentials: 'omit'
    })
  } catch {
    throw new ApiError(0, 'NETWORK', 'The service can\'t be reached. Check your connection and try again.')
  }
}

/** Turns an error reply into an ApiError carrying the API's stable code and its message. */
async function failure (response) {
  let data = null
  try {
    data = await response.json()
  } catch {
    data = null
  }
  const error = data !== null && typeof data === 'object' ? data.error : undefined
  const message = typeof error?.message === 'string' && error.message !== ''
    ? error.message
    : `The service answered with an error (HTTP ${response.status}). Please try again.`
  return new ApiError(response.status, typeof error?.code === 'string' ? error.code : `HTTP_${response.status}`, message, error?.details)
}

/** Calls the API; resolves to the JSON reply, or rejects with an ApiError. */
export async function api (method, path, body, options = {}) {
  const response = await call(method, path, { body, ...options })
  if (!response.ok) throw await failure(response)
  if (response.status === 204) return null
  return response.json()
}

/** Downloads a file the API serves (the admin key is a header, so a plain link cannot). */
export async function download (path, fallbackName) {
  const response = await call('GET', path)
  if (!response.ok) throw await failure(response)
  const disposition = response.headers.get('content-disposition') ?? ''
  const name = /filename="([^"]+)"/.exec(disposition)?.[1] ?? fallbackName
  return { blob: await response.blob(), name }
}
