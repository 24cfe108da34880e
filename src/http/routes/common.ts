import { ErrorReply } from '../../../schemas/http.ts'
import type { AppContext } from '../../app/context.ts'
import type { Config } from '../../config.ts'

export interface RouteDeps { readonly ctx: AppContext, readonly config: Config }

/** Error replies every route may give, for the OpenAPI document and serialisation. */
export const errors = { '4xx': ErrorReply, '5xx': ErrorReply } as const
