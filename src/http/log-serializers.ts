// What the request log keeps of a request. Launch URLs carry secrets in their query (the
// package launch key, an LMS's one-time token URL, Tin Can's LRS credentials), so the log
// keeps the path and the names of the query parameters, never their values.
import type { FastifyRequest } from 'fastify'

export function redactedUrl (url: string): string {
  const at = url.indexOf('?')
  if (at < 0) return url
  const names = [...new URLSearchParams(url.slice(at + 1)).keys()]
  return names.length === 0 ? url.slice(0, at) : `${url.slice(0, at)}?${[...new Set(names)].map(name => `${encodeURIComponent(name)}=…`).join('&')}`
}

export const logSerializers = {
  req (request: FastifyRequest) {
    return { method: request.method, url: redactedUrl(request.url), remoteAddress: request.ip }
  }
}
