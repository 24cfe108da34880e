// The same load while the service is killed with -9 and restarted every few seconds (and, on
// PostgreSQL, the database server restarted once). Clients retry as real ones do. Then every
// acknowledged write is looked up in the log, and every LMS session must have committed once.
//
//   npx tsx scripts/reliability/faults.ts [--store sqlite|postgres] [--duration 60] [--kill-every 6] [--help]
import { mainRun } from './main-run.ts'

await mainRun(true)
