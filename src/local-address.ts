// Whether an address reaches only the machine it is typed on (loopback). Packages built against
// such a PUBLIC_URL launch nowhere else, so the service says so where an admin will see it.
export function isLocalOnlyUrl (url: string): boolean {
  let host: string
  try {
    host = new URL(url).hostname.toLowerCase()
  } catch {
    return false
  }
  return host === 'localhost' || host.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '[::1]' || host === '0.0.0.0'
}

export const localOnlyNotice = (url: string): string =>
  `This package launches against ${url}, which only the service's own machine can reach: learners in an LMS elsewhere cannot use it. Set PUBLIC_URL to the address their browsers reach, restart the service, and create the package again.`
