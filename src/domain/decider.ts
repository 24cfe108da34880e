// The shape every stream's decision logic takes (emmett-style): pure functions of
// the stream's past events and a command. Time and ids come in with the command.

export interface Command<Type extends string = string, Data = unknown> {
  readonly type: Type
  readonly data: Data
  readonly metadata: CommandMetadata
}

export interface CommandMetadata {
  /** Epoch milliseconds, read by the caller, never by the domain. */
  readonly now: number
  readonly accountId: string
  readonly actor: { readonly kind: 'operator' | 'admin' | 'learner' | 'app' | 'system', readonly id: string }
}

export interface Decider<State, Cmd, Event> {
  readonly initialState: State
  evolve (state: State, event: Event): State
  decide (command: Cmd, state: State): readonly Event[]
}

export const unreachable = (value: never): never => {
  throw new Error(`unhandled case ${JSON.stringify(value)}`)
}
