// A worker thread does not inherit the TypeScript loader its process runs with (Node 20):
// register it, then load the worker itself.
import { register } from 'tsx/esm/api'

register()
await import('./replay-worker.ts')
