// Mixed load against the real service (a child process) on a fresh store: LMS launches,
// answers and exits, and activity ingest. Then every acknowledged write is looked up in the log.
//
//   npx tsx scripts/reliability/load.ts [--store sqlite|postgres] [--duration 45] [--help]
import { mainRun } from './main-run.ts'

await mainRun(false)
