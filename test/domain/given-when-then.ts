// Decider specifications in the house style: given(past events).when(command)
// .then(recorded events) or .thenThrows(error code). Built for tap: pass the test in.
import type { Test } from 'tap'
import { Ajv } from 'ajv'
import formatsPlugin from 'ajv-formats'
import { eventSchemas } from '../../schemas/events.ts'
import type { CommandMetadata, Decider } from '../../src/domain/decider.ts'
import { AppError, type ErrorCode } from '../../src/errors.ts'

// ajv-formats is CommonJS: its default export arrives wrapped under ESM.
const addFormats = formatsPlugin as unknown as typeof formatsPlugin.default
const ajv = new Ajv({ allErrors: true, strict: false })
addFormats(ajv, ['date-time', 'email'])
const validators = new Map(eventSchemas.map(schema => [schema.title, ajv.compile(schema)]))

/**
 * A message, or `{ message, todo: 'bug: …' }`: a todo assertion still runs, and
 * tap reports its failure as a known bug rather than failing the suite.
 */
export type Note = string | { readonly message?: string, readonly todo?: string }

export interface Outcome<Event> {
  /** The command is accepted and records exactly these events (none for a no-op). */
  then (expected: readonly Event[], note?: Note): void
  /** The command is refused with an AppError carrying this stable code; returns it for closer looks. */
  thenThrows (code: ErrorCode, note?: Note): AppError | undefined
}

export interface Specification<Event, Cmd> {
  given (events: readonly Event[]): { when (command: Cmd): Outcome<Event> }
}

/**
 * `specification(decider)(t).given(events).when(command).then(events)`.
 * Recorded events are compared as the store keeps them (JSON), so an optional field
 * left undefined equals one left out; and each must match its schema in the log contract.
 * (`then` makes the outcome a thenable: use it as a statement, never `await` it.)
 */
export function specification<State, Cmd, Event extends { readonly type: string }> (
  decider: Decider<State, Cmd, Event>
): (t: Test) => Specification<Event, Cmd> {
  return t => ({
    given: events => ({
      when: command => {
        const decide = (): readonly Event[] => decider.decide(command, events.reduce((state, event) => decider.evolve(state, event), decider.initialState))
        return {
          then (expected, note) {
            const [message, extra] = split(note, 'records the expected events')
            let actual: readonly Event[]
            try {
              actual = decide()
            } catch (error) {
              t.fail(`${message}, but it was refused: ${describe(error)}`, extra)
              return
            }
            t.strictSame(asRecorded(actual), asRecorded(expected), message, extra)
            const broken = actual.flatMap(e => {
              const validate = validators.get(e.type)
              if (validate === undefined) return [`${e.type} has no schema`]
              return validate(asRecorded(e)) ? [] : [`${e.type}: ${ajv.errorsText(validate.errors)}`]
            })
            if (broken.length > 0) t.fail(`recorded events break the event schemas: ${broken.join('; ')}`, extra)
          },
          thenThrows (code, note) {
            const [message, extra] = split(note, `refused with ${code}`)
            try {
              const events = decide()
              t.fail(`${message}, but it recorded ${JSON.stringify(events)}`, extra)
              return undefined
            } catch (error) {
              if (!(error instanceof AppError)) {
                t.fail(`${message}, but it threw ${describe(error)}`, extra)
                return undefined
              }
              t.equal(error.code, code, message, extra)
              return error
            }
          }
        }
      }
    })
  })
}

/** Command metadata as the application fills it in: who, in which account, when. */
export function metadata (accountId: string, now: number, actor: CommandMetadata['actor'] = { kind: 'admin', id: 'key-1' }): CommandMetadata {
  return { now, accountId, actor }
}

const split = (note: Note | undefined, fallback: string): [string, { todo?: string }] =>
  typeof note === 'string' ? [note, {}] : [note?.message ?? fallback, note?.todo === undefined ? {} : { todo: note.todo }]

const asRecorded = (value: unknown): unknown => JSON.parse(JSON.stringify(value))

const describe = (error: unknown): string =>
  error instanceof AppError ? `${error.code} (${error.message})` : error instanceof Error ? `${error.name}: ${error.message}` : String(error)
