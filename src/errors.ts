// The one registry of error codes. Each code is stable (clients match on it), maps
// to one HTTP status, and is documented in docs/errors.md (a test keeps them in step).
// Pure: the domain raises these too.

export const errorCodes = {
  MS_ERR_VALIDATION: { status: 400, description: 'The request body, query or parameters do not match the schema; the message names the field.' },
  MS_ERR_BAD_JSON: { status: 400, description: 'The body is not valid JSON.' },
  MS_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, description: 'The body has a content type this route does not accept (send application/json).' },
  MS_ERR_URI_TOO_LONG: { status: 414, description: 'A part of the path is longer than any id of this API (more than 3,072 characters).' },
  MS_ERR_RATE_LIMITED: { status: 429, description: 'Too many sign-in attempts or launches from one network address in a minute; wait the seconds in Retry-After (also in details.retryAfterSeconds).' },
  MS_ERR_BODY_TOO_LARGE: { status: 413, description: 'The body is larger than the route accepts.' },
  MS_ERR_UNAUTHENTICATED: { status: 401, description: 'No credentials, or credentials that are not valid (unknown, revoked or expired).' },
  MS_ERR_FORBIDDEN: { status: 403, description: 'The credentials are valid but may not do this.' },
  MS_ERR_NOT_FOUND: { status: 404, description: 'No such resource in your account.' },
  MS_ERR_ROUTE_NOT_FOUND: { status: 404, description: 'No such route: check the method and path against /docs.' },
  MS_ERR_CONFLICT: { status: 409, description: 'The resource changed concurrently too many times; retry the request.' },
  MS_ERR_ALREADY_EXISTS: { status: 409, description: 'A resource with this identity already exists.' },
  MS_ERR_EMAIL_TAKEN: { status: 409, description: 'Another learner in this account already uses this email address.' },
  MS_ERR_EVENT_ID_CONFLICT: { status: 409, description: 'A client event id is already used for a different event.' },
  MS_ERR_REMOVED: { status: 410, description: 'The resource was removed; it can no longer be changed or used.' },
  MS_ERR_INVALID_ACTIVITY: { status: 422, description: 'An activity needs at least one correct option and unique option ids.' },
  MS_ERR_UNKNOWN_OPTION: { status: 422, description: 'A selected option id is not an option of the activity.' },
  MS_ERR_OCCURRED_AT_OUT_OF_RANGE: { status: 422, description: 'occurredAt is in the future or more than 30 days in the past.' },
  MS_ERR_NOT_ASSIGNED: { status: 403, description: 'The learner is not assigned this Mastery Profile.' },
  MS_ERR_MOMENT_NOT_FOUND: { status: 404, description: 'No such moment for this learner, or it has expired.' },
  MS_ERR_NOT_IN_MOMENT: { status: 422, description: 'The activity is not part of this moment.' },
  MS_ERR_ALREADY_ANSWERED: { status: 409, description: 'This activity was already answered in this moment.' },
  MS_ERR_NOTHING_TO_PRACTISE: { status: 422, description: 'The profiles in scope have no activities yet.' },
  MS_ERR_WRONG_PASSWORD: { status: 403, description: 'The current password is not correct.' },
  MS_ERR_LOGIN_FAILED: { status: 401, description: 'Email or password is not correct.' },
  MS_ERR_PASSWORD_CHANGE_LOCKED: { status: 403, description: 'Passwords cannot be changed in an LMS session.' },
  MS_ERR_PLAN_REQUIRED: { status: 403, description: 'LMS integration needs the Growth or Enterprise plan; contact support to upgrade.' },
  MS_ERR_FORMAT_NOT_AVAILABLE: { status: 422, description: 'This package format is not available yet; GET /v1/package-formats lists what is.' },
  MS_ERR_PACKAGE_NOT_READY: { status: 409, description: 'The package is still being generated; download it when its status is ready.' },
  MS_ERR_PACKAGE_BUILD_FAILED: { status: 409, description: 'Generating this package revision failed; the message says why. Edit the package to try again.' },
  MS_ERR_PACKAGE_RETIRED: { status: 410, description: 'The package was retired by an admin; it can no longer be launched or changed.' },
  MS_ERR_LAUNCH_KEY_INVALID: { status: 401, description: 'The launch key of the package is not valid; download the package again and re-upload it to the LMS.' },
  MS_ERR_AICC_LAUNCH_INVALID: { status: 400, description: 'An AICC launch without usable aicc_sid and aicc_url (http or https); launch the course from the LMS.' },
  MS_ERR_XAPI_LAUNCH_INVALID: { status: 400, description: 'A cmi5 or xAPI (Tin Can) launch without the parameters the LMS adds (endpoint, actor, registration, activity id, fetch or auth), or of a package of another format; launch the course from the LMS.' },
  MS_ERR_LMS_REFUSED: { status: 400, description: 'The LMS refused the AICC session (an HACP error, e.g. an expired session id); launch the course from the LMS again.' },
  MS_ERR_LMS_ADDRESS_REFUSED: { status: 400, description: 'The launch names an LMS or LRS at an address that is not public (private, loopback, link-local); the service calls only public addresses unless its operator sets OUTBOUND_ADDRESSES=any.' },
  MS_ERR_STORE_UNAVAILABLE: { status: 503, description: 'The service could not reach its database for a moment (a restart, a failover); retry shortly. Activity sent again with the same client event ids is recorded once.' },
  MS_ERR_LMS_UNREACHABLE: { status: 502, description: 'The service could not get a usable answer from the LMS (network, timeout, or not HACP); try again in a moment.' },
  MS_ERR_LMS_INTEGRATION_OFF: { status: 403, description: 'LMS integration is turned off for this Mastery Profile; an admin can turn it on.' },
  MS_ERR_LMS_USER_NOT_LINKED: { status: 403, description: 'This LMS user is not linked to a learner; an admin must link them first.' },
  MS_ERR_LMS_LINK_CONFLICT: { status: 409, description: 'This LMS user id is already linked to another learner in the account; unlink it first.' },
  MS_ERR_LMS_SESSION_ENDED: { status: 409, description: 'This LMS session has ended (exited, or open past the 12-hour session); launch the course from the LMS again. Its Exit still commits.' },
  MS_ERR_LOCKED_TO_PROFILE: { status: 403, description: 'An LMS session is locked to the profile it was launched for.' },
  MS_ERR_INVALID_FILTER: { status: 400, description: 'A history filter (GET /v1/events, the CLI\'s replay) is not usable: an unknown event type, a stream pattern with * elsewhere than at the end, a time that is not ISO 8601, or from not before to; the message says which.' },
  MS_ERR_CSV_INVALID: { status: 400, description: 'The CSV could not be read; the message says which line and why.' },
  MS_ERR_READ_TIMEOUT: { status: 503, description: 'Read models did not catch up with the requested log position in time; retry.' },
  MS_ERR_NOT_READY: { status: 503, description: 'The service is starting or a projection is failing.' },
  MS_ERR_INTERNAL: { status: 500, description: 'An unexpected error; it is logged with the request id.' }
} as const satisfies Record<string, { status: number, description: string }>

export type ErrorCode = keyof typeof errorCodes

/** An error a client can act on: a stable code, its HTTP status and a precise message. */
export class AppError extends Error {
  readonly status: number
  constructor (readonly code: ErrorCode, message: string, readonly details?: unknown) {
    super(message)
    this.name = 'AppError'
    this.status = errorCodes[code].status
  }
}

export const fail = (code: ErrorCode, message: string, details?: unknown): never => {
  throw new AppError(code, message, details)
}
