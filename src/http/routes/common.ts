import { ErrorReply } from '../../../schemas/http.ts'
import type { AppContext } from '../../app/context.ts'
import type { Config } from '../../config.ts'
import type { RateLimits } from '../rate-limit.ts'

export interface RouteDeps { readonly ctx: AppContext, readonly config: Config, readonly limits: RateLimits }

/** Error replies every route may give, for the OpenAPI document and serialisation. */
export const errors = { '4xx': ErrorReply, '5xx': ErrorReply } as const
