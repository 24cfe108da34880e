// The part of autocannon's in-process API the benchmarks use (the package ships no types).
declare module 'autocannon' {
  export interface Request {
    method?: string
    path?: string
    headers?: Record<string, string>
    body?: string
  }
  export interface RequestSpec extends Request {
    setupRequest?: (request: Request, context: Record<string, unknown>) => Request
  }
  export interface Options {
    url: string
    connections?: number
    duration?: number
    pipelining?: number
    timeout?: number
    method?: string
    headers?: Record<string, string>
    body?: string
    requests?: RequestSpec[]
  }
  export interface Histogram { average: number, mean: number, stddev: number, min: number, max: number, total: number, p50: number, p99: number }
  export interface RequestsHistogram extends Histogram { sent: number }
  export interface Result {
    duration: number
    errors: number
    timeouts: number
    mismatches: number
    non2xx: number
    resets: number
    '2xx': number
    requests: RequestsHistogram
    latency: Histogram
    throughput: Histogram
    statusCodeStats: Record<string, { count: number }>
  }
  function autocannon (options: Options): Promise<Result>
  export default autocannon
}
