// Structural validation of xAPI 1.0.3 Statements, as an LRS must do it before storing one
// (xAPI-Data.md: 2.2 "Formatting Requirements" LRS requirements, 2.4 Statement Properties,
// 4.1 Extensions, 4.2 Language Maps, 4.3 IRIs, 4.4 UUIDs, 4.5 Timestamps, 4.6 Durations).
//
// Checked: allowed properties only (case-sensitive keys), no nulls outside extensions, types
// (no strings for numbers or booleans), UUID ids, IRIs with a scheme, mailto mboxes, sha1 sums,
// exactly one inverse functional identifier per Agent, Group rules (objectType required, anonymous
// groups need members, members are Agents), Verb/Object/Result/Context/Attachment shapes,
// score ranges (scaled in [-1, 1], min < max, raw within them), ISO 8601 durations (the 4.4.3.2
// format, weeks alone), language-map keys shaped like RFC 5646 tags, SubStatement restrictions,
// and "revision"/"platform" only when the Object is an Activity.
// Stricter than xAPI, on purpose: a timestamp must carry a time zone (xAPI says SHOULD; cmi5
// requires UTC), in the RFC 3339 shape `YYYY-MM-DDThh:mm:ss[.fff](Z|±hh:mm)`.
// Not checked: full IRI/RFC 3987 grammar and full RFC 5646 grammar (best effort is allowed by
// 2.2.s4.b6–b7), signed statements (JWS), interaction-type specific component rules.

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }
export type JsonObject = { [key: string]: JsonValue }

export function isObject (value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i
const timestampPattern = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/
const durationPattern = /^P(?:\d+(?:\.\d+)?W|(?=\d|T\d)(?:\d+(?:\.\d+)?Y)?(?:\d+(?:\.\d+)?M)?(?:\d+(?:\.\d+)?D)?(?:T(?=\d)(?:\d+(?:\.\d+)?H)?(?:\d+(?:\.\d+)?M)?(?:\d+(?:\.\d+)?S)?)?)$/
const languageTagPattern = /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/
const interactionTypes = ['true-false', 'choice', 'fill-in', 'long-fill-in', 'matching', 'performance', 'sequencing', 'likert', 'numeric', 'other']

/** A UUID in standard string form, RFC 4122 variant (xAPI 4.4). */
export function isUuid (value: unknown): value is string {
  return typeof value === 'string' && uuidPattern.test(value)
}

/** An absolute IRI: a scheme and no whitespace (best effort, xAPI 2.2.s4.b6). */
export function isIri (value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$/.test(value)
}

/** An IRL: an IRI that is a URL. */
export function isIrl (value: unknown): value is string {
  if (!isIri(value)) return false
  try {
    return new URL(value).protocol !== ''
  } catch {
    return false
  }
}

/** An ISO 8601 timestamp with a time zone, whose parts are a real instant. */
export function isTimestamp (value: unknown): value is string {
  if (typeof value !== 'string') return false
  const m = timestampPattern.exec(value)
  if (m === null) return false
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number]
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 60) return false
  if (d > new Date(Date.UTC(y, mo, 0)).getUTCDate()) return false
  return Number.isFinite(Date.parse(value))
}

/** A timestamp in UTC: "Z" or a +00:00 offset. */
export function isUtcTimestamp (value: unknown): value is string {
  return isTimestamp(value) && (value.endsWith('Z') || value.endsWith('+00:00'))
}

/** An ISO 8601:2004 4.4.3.2 duration (PnYnMnDTnHnMnS, or PnW alone). */
export function isDuration (value: unknown): value is string {
  return typeof value === 'string' && durationPattern.test(value)
}

/** The key an LRS uses to tell Agents apart: their inverse functional identifier. */
export function agentKey (agent: JsonValue | undefined): string | undefined {
  if (!isObject(agent)) return undefined
  if (typeof agent.mbox === 'string') return `mbox:${agent.mbox.toLowerCase()}`
  if (typeof agent.mbox_sha1sum === 'string') return `mbox_sha1sum:${agent.mbox_sha1sum.toLowerCase()}`
  if (typeof agent.openid === 'string') return `openid:${agent.openid}`
  if (isObject(agent.account) && typeof agent.account.homePage === 'string' && typeof agent.account.name === 'string') {
    return `account:${agent.account.homePage}|${agent.account.name}`
  }
  return undefined
}

class Checker {
  readonly errors: string[] = []

  fail (path: string, message: string): void {
    this.errors.push(`${path}: ${message}`)
  }

  keys (value: JsonObject, allowed: readonly string[], path: string): void {
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) {
        const sameButCase = allowed.find(a => a.toLowerCase() === key.toLowerCase())
        this.fail(`${path}.${key}`, sameButCase === undefined ? 'property not allowed here by xAPI 1.0.3' : `property names are case-sensitive: use "${sameButCase}"`)
      }
    }
  }

  object (value: JsonValue | undefined, path: string, what: string): value is JsonObject {
    if (isObject(value)) return true
    this.fail(path, `must be ${what} (a JSON object), got ${describe(value)}`)
    return false
  }

  string (value: JsonValue | undefined, path: string): void {
    if (value !== undefined && typeof value !== 'string') this.fail(path, `must be a string, got ${describe(value)}`)
  }

  boolean (value: JsonValue | undefined, path: string): void {
    if (value !== undefined && typeof value !== 'boolean') this.fail(path, `must be a boolean (true/false, not a string), got ${describe(value)}`)
  }

  number (value: JsonValue | undefined, path: string): value is number {
    if (value === undefined) return false
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.fail(path, `must be a number (not a string), got ${describe(value)}`)
      return false
    }
    return true
  }

  iri (value: JsonValue | undefined, path: string, required = false): void {
    if (value === undefined) {
      if (required) this.fail(path, 'is required')
      return
    }
    if (!isIri(value)) this.fail(path, `must be an absolute IRI with a scheme, got ${describe(value)}`)
  }

  irl (value: JsonValue | undefined, path: string): void {
    if (value !== undefined && !isIrl(value)) this.fail(path, `must be an IRL (a URL), got ${describe(value)}`)
  }

  uuid (value: JsonValue | undefined, path: string, required = false): void {
    if (value === undefined) {
      if (required) this.fail(path, 'is required')
      return
    }
    if (!isUuid(value)) this.fail(path, `must be a UUID in standard string form, got ${describe(value)}`)
  }

  languageMap (value: JsonValue | undefined, path: string): void {
    if (value === undefined) return
    if (!this.object(value, path, 'a language map')) return
    for (const [tag, text] of Object.entries(value)) {
      if (!languageTagPattern.test(tag)) this.fail(`${path}.${tag}`, 'language map keys must be RFC 5646 language tags')
      if (typeof text !== 'string') this.fail(`${path}.${tag}`, `must be a string, got ${describe(text)}`)
    }
  }

  extensions (value: JsonValue | undefined, path: string): void {
    if (value === undefined) return
    if (!this.object(value, path, 'an extensions map')) return
    for (const key of Object.keys(value)) if (!isIri(key)) this.fail(`${path}`, `extension keys must be IRIs, got ${JSON.stringify(key)}`)
  }

  /** Inverse functional identifiers present on an Agent or Group, each checked. */
  ifis (value: JsonObject, path: string): number {
    let count = 0
    if (value.mbox !== undefined) {
      count++
      if (typeof value.mbox !== 'string' || !/^mailto:[^\s@]+@[^\s@]+$/.test(value.mbox)) this.fail(`${path}.mbox`, `must be a "mailto:" IRI of an e-mail address, got ${describe(value.mbox)}`)
    }
    if (value.mbox_sha1sum !== undefined) {
      count++
      if (typeof value.mbox_sha1sum !== 'string' || !/^[0-9a-f]{40}$/i.test(value.mbox_sha1sum)) this.fail(`${path}.mbox_sha1sum`, 'must be the hex SHA1 of a mailto IRI')
    }
    if (value.openid !== undefined) {
      count++
      this.iri(value.openid, `${path}.openid`)
    }
    if (value.account !== undefined) {
      count++
      if (this.object(value.account, `${path}.account`, 'an Account')) {
        this.keys(value.account, ['homePage', 'name'], `${path}.account`)
        if (value.account.homePage === undefined) this.fail(`${path}.account.homePage`, 'is required')
        else this.irl(value.account.homePage, `${path}.account.homePage`)
        if (value.account.name === undefined) this.fail(`${path}.account.name`, 'is required')
        else this.string(value.account.name, `${path}.account.name`)
      }
    }
    return count
  }

  agent (value: JsonValue | undefined, path: string, asObject = false): void {
    if (!this.object(value, path, 'an Agent')) return
    this.keys(value, ['objectType', 'name', 'mbox', 'mbox_sha1sum', 'openid', 'account'], path)
    if (value.objectType !== undefined && value.objectType !== 'Agent') this.fail(`${path}.objectType`, `must be "Agent", got ${describe(value.objectType)}`)
    if (asObject && value.objectType !== 'Agent') this.fail(`${path}.objectType`, '"Agent" is required when an Agent is the Object')
    this.string(value.name, `${path}.name`)
    const count = this.ifis(value, path)
    if (count !== 1) this.fail(path, `an Agent must have exactly one inverse functional identifier (mbox, mbox_sha1sum, openid, account), it has ${count}`)
  }

  group (value: JsonValue | undefined, path: string): void {
    if (!this.object(value, path, 'a Group')) return
    this.keys(value, ['objectType', 'name', 'member', 'mbox', 'mbox_sha1sum', 'openid', 'account'], path)
    if (value.objectType !== 'Group') this.fail(`${path}.objectType`, '"Group" is required for a Group')
    this.string(value.name, `${path}.name`)
    const count = this.ifis(value, path)
    if (count > 1) this.fail(path, `a Group has at most one inverse functional identifier, it has ${count}`)
    if (value.member !== undefined) {
      if (!Array.isArray(value.member)) this.fail(`${path}.member`, 'must be an array of Agents')
      else value.member.forEach((m, i) => this.agent(m, `${path}.member[${i}]`))
    }
    if (count === 0 && (!Array.isArray(value.member) || value.member.length === 0)) this.fail(`${path}.member`, 'an anonymous Group (no identifier) must list its members')
  }

  actor (value: JsonValue | undefined, path: string): void {
    if (value === undefined) return this.fail(path, 'is required')
    if (isObject(value) && value.objectType === 'Group') this.group(value, path)
    else this.agent(value, path)
  }

  verb (value: JsonValue | undefined, path: string): void {
    if (value === undefined) return this.fail(path, 'is required')
    if (!this.object(value, path, 'a Verb')) return
    this.keys(value, ['id', 'display'], path)
    this.iri(value.id, `${path}.id`, true)
    this.languageMap(value.display, `${path}.display`)
  }

  activity (value: JsonValue | undefined, path: string): void {
    if (!this.object(value, path, 'an Activity')) return
    this.keys(value, ['objectType', 'id', 'definition'], path)
    if (value.objectType !== undefined && value.objectType !== 'Activity') this.fail(`${path}.objectType`, `must be "Activity", got ${describe(value.objectType)}`)
    this.iri(value.id, `${path}.id`, true)
    const definition = value.definition
    if (definition === undefined || !this.object(definition, `${path}.definition`, 'an Activity Definition')) return
    const d = `${path}.definition`
    this.keys(definition, ['name', 'description', 'type', 'moreInfo', 'extensions', 'interactionType', 'correctResponsesPattern', 'choices', 'scale', 'source', 'target', 'steps'], d)
    this.languageMap(definition.name, `${d}.name`)
    this.languageMap(definition.description, `${d}.description`)
    this.iri(definition.type, `${d}.type`)
    this.irl(definition.moreInfo, `${d}.moreInfo`)
    this.extensions(definition.extensions, `${d}.extensions`)
    if (definition.interactionType !== undefined && (typeof definition.interactionType !== 'string' || !interactionTypes.includes(definition.interactionType))) {
      this.fail(`${d}.interactionType`, `must be one of ${interactionTypes.join(', ')}`)
    }
    if (definition.correctResponsesPattern !== undefined && (!Array.isArray(definition.correctResponsesPattern) || !definition.correctResponsesPattern.every(p => typeof p === 'string'))) {
      this.fail(`${d}.correctResponsesPattern`, 'must be an array of strings')
    }
    for (const list of ['choices', 'scale', 'source', 'target', 'steps'] as const) {
      const items = definition[list]
      if (items === undefined) continue
      if (!Array.isArray(items)) {
        this.fail(`${d}.${list}`, 'must be an array of interaction components')
        continue
      }
      items.forEach((item, i) => {
        if (!this.object(item, `${d}.${list}[${i}]`, 'an interaction component')) return
        this.keys(item, ['id', 'description'], `${d}.${list}[${i}]`)
        if (typeof item.id !== 'string') this.fail(`${d}.${list}[${i}].id`, 'is a required string')
        this.languageMap(item.description, `${d}.${list}[${i}].description`)
      })
    }
  }

  statementRef (value: JsonValue | undefined, path: string): void {
    if (!this.object(value, path, 'a StatementRef')) return
    this.keys(value, ['objectType', 'id'], path)
    if (value.objectType !== 'StatementRef') this.fail(`${path}.objectType`, '"StatementRef" is required')
    this.uuid(value.id, `${path}.id`, true)
  }

  statementObject (value: JsonValue | undefined, path: string, nested: boolean): void {
    if (value === undefined) return this.fail(path, 'is required')
    if (!this.object(value, path, 'an Object')) return
    const objectType = value.objectType ?? 'Activity'
    switch (objectType) {
      case 'Activity': return this.activity(value, path)
      case 'Agent': return this.agent(value, path, true)
      case 'Group': return this.group(value, path)
      case 'StatementRef': return this.statementRef(value, path)
      case 'SubStatement':
        if (nested) return this.fail(path, 'a SubStatement cannot contain a SubStatement')
        this.keys(value, ['objectType', 'actor', 'verb', 'object', 'result', 'context', 'timestamp', 'attachments'], path)
        return this.body(value, path, true)
      default:
        this.fail(`${path}.objectType`, `must be Activity, Agent, Group, StatementRef or SubStatement, got ${describe(objectType)}`)
    }
  }

  result (value: JsonValue | undefined, path: string): void {
    if (value === undefined || !this.object(value, path, 'a Result')) return
    this.keys(value, ['score', 'success', 'completion', 'response', 'duration', 'extensions'], path)
    if (value.score !== undefined && this.object(value.score, `${path}.score`, 'a Score')) {
      const s = value.score
      const p = `${path}.score`
      this.keys(s, ['scaled', 'raw', 'min', 'max'], p)
      const scaled = this.number(s.scaled, `${p}.scaled`)
      const raw = this.number(s.raw, `${p}.raw`)
      const min = this.number(s.min, `${p}.min`)
      const max = this.number(s.max, `${p}.max`)
      if (scaled && ((s.scaled as number) < -1 || (s.scaled as number) > 1)) this.fail(`${p}.scaled`, `must be between -1 and 1, got ${s.scaled}`)
      if (min && max && (s.min as number) >= (s.max as number)) this.fail(p, `max (${s.max}) must be greater than min (${s.min})`)
      if (raw && min && (s.raw as number) < (s.min as number)) this.fail(`${p}.raw`, `must not be below min (${s.min}), got ${s.raw}`)
      if (raw && max && (s.raw as number) > (s.max as number)) this.fail(`${p}.raw`, `must not be above max (${s.max}), got ${s.raw}`)
    }
    this.boolean(value.success, `${path}.success`)
    this.boolean(value.completion, `${path}.completion`)
    this.string(value.response, `${path}.response`)
    if (value.duration !== undefined && !isDuration(value.duration)) this.fail(`${path}.duration`, `must be an ISO 8601 duration such as PT1H2M3.45S, got ${describe(value.duration)}`)
    this.extensions(value.extensions, `${path}.extensions`)
  }

  context (value: JsonValue | undefined, path: string, objectIsActivity: boolean): void {
    if (value === undefined || !this.object(value, path, 'a Context')) return
    this.keys(value, ['registration', 'instructor', 'team', 'contextActivities', 'revision', 'platform', 'language', 'statement', 'extensions'], path)
    this.uuid(value.registration, `${path}.registration`)
    if (value.instructor !== undefined) this.actor(value.instructor, `${path}.instructor`)
    if (value.team !== undefined) this.group(value.team, `${path}.team`)
    if (value.contextActivities !== undefined && this.object(value.contextActivities, `${path}.contextActivities`, 'a contextActivities object')) {
      const ca = value.contextActivities
      this.keys(ca, ['parent', 'grouping', 'category', 'other'], `${path}.contextActivities`)
      for (const [kind, list] of Object.entries(ca)) {
        const p = `${path}.contextActivities.${kind}`
        if (Array.isArray(list)) list.forEach((a, i) => this.activity(a, `${p}[${i}]`))
        else this.activity(list, p)
      }
    }
    this.string(value.revision, `${path}.revision`)
    this.string(value.platform, `${path}.platform`)
    if (!objectIsActivity && value.revision !== undefined) this.fail(`${path}.revision`, 'must not be used when the Object is not an Activity')
    if (!objectIsActivity && value.platform !== undefined) this.fail(`${path}.platform`, 'must not be used when the Object is not an Activity')
    if (value.language !== undefined && (typeof value.language !== 'string' || !languageTagPattern.test(value.language))) this.fail(`${path}.language`, 'must be an RFC 5646 language tag')
    if (value.statement !== undefined) this.statementRef(value.statement, `${path}.statement`)
    this.extensions(value.extensions, `${path}.extensions`)
  }

  attachments (value: JsonValue | undefined, path: string): void {
    if (value === undefined) return
    if (!Array.isArray(value)) return this.fail(path, 'must be an array of Attachments')
    value.forEach((a, i) => {
      const p = `${path}[${i}]`
      if (!this.object(a, p, 'an Attachment')) return
      this.keys(a, ['usageType', 'display', 'description', 'contentType', 'length', 'sha2', 'fileUrl'], p)
      this.iri(a.usageType, `${p}.usageType`, true)
      if (a.display === undefined) this.fail(`${p}.display`, 'is required')
      this.languageMap(a.display, `${p}.display`)
      this.languageMap(a.description, `${p}.description`)
      if (typeof a.contentType !== 'string') this.fail(`${p}.contentType`, 'is a required string')
      if (typeof a.length !== 'number' || !Number.isInteger(a.length) || a.length < 0) this.fail(`${p}.length`, 'is a required whole number')
      if (typeof a.sha2 !== 'string') this.fail(`${p}.sha2`, 'is a required string')
      this.irl(a.fileUrl, `${p}.fileUrl`)
    })
  }

  timestamp (value: JsonValue | undefined, path: string): void {
    if (value !== undefined && !isTimestamp(value)) this.fail(path, `must be an ISO 8601 timestamp with a time zone, e.g. 2026-05-04T08:00:00.000Z, got ${describe(value)}`)
  }

  /** The parts a Statement and a SubStatement share. */
  body (value: JsonObject, path: string, nested: boolean): void {
    this.actor(value.actor, `${path}.actor`)
    this.verb(value.verb, `${path}.verb`)
    this.statementObject(value.object, `${path}.object`, nested)
    this.result(value.result, `${path}.result`)
    const objectIsActivity = isObject(value.object) && (value.object.objectType ?? 'Activity') === 'Activity'
    this.context(value.context, `${path}.context`, objectIsActivity)
    this.timestamp(value.timestamp, `${path}.timestamp`)
    this.attachments(value.attachments, `${path}.attachments`)
  }

  nulls (value: JsonValue, path: string): void {
    if (value === null) return this.fail(path, 'null values are not allowed (except inside extensions)')
    if (Array.isArray(value)) return value.forEach((v, i) => this.nulls(v, `${path}[${i}]`))
    if (!isObject(value)) return
    for (const [key, v] of Object.entries(value)) if (key !== 'extensions') this.nulls(v, `${path}.${key}`)
  }
}

function describe (value: JsonValue | undefined): string {
  if (value === undefined) return 'nothing'
  const text = JSON.stringify(value)
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}

export interface StatementCheck {
  readonly errors: readonly string[]
  /** Attachments without a fileUrl, which need a multipart/mixed request. */
  readonly attachmentsWithoutFileUrl: number
}

/** The reasons an xAPI 1.0.3 LRS must reject `value` as a Statement (empty when it is fine). */
export function checkStatement (value: JsonValue, path = 'statement', options: { requireId?: boolean } = {}): StatementCheck {
  const c = new Checker()
  if (!c.object(value, path, 'a Statement')) return { errors: c.errors, attachmentsWithoutFileUrl: 0 }
  c.nulls(value, path)
  c.keys(value, ['id', 'actor', 'verb', 'object', 'result', 'context', 'timestamp', 'stored', 'authority', 'version', 'attachments'], path)
  c.uuid(value.id, `${path}.id`, options.requireId ?? false)
  c.body(value, path, false)
  if (value.stored !== undefined) c.timestamp(value.stored, `${path}.stored`)
  if (value.authority !== undefined) c.actor(value.authority, `${path}.authority`)
  if (value.version !== undefined && (typeof value.version !== 'string' || !/^1\.0(\.\d+)?$/.test(value.version))) c.fail(`${path}.version`, `must be a 1.0.x version, got ${describe(value.version)}`)
  const attachmentsWithoutFileUrl = Array.isArray(value.attachments) ? value.attachments.filter(a => isObject(a) && a.fileUrl === undefined).length : 0
  return { errors: c.errors, attachmentsWithoutFileUrl }
}

/** The reasons `value` is not a valid Agent (for the "agent" parameter of the document resources). */
export function checkAgent (value: JsonValue, path = 'agent'): readonly string[] {
  const c = new Checker()
  c.agent(value, path)
  return c.errors
}
