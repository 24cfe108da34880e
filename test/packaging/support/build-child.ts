// Builds packages in a separate process (run with --import tsx) and prints their
// checksums: lets a test compare builds across timezones (TZ is set by the parent).
import { buildPackage, type PackageInput } from '../../../packaging/build-package.ts'

const inputs = JSON.parse(process.argv[2] ?? '[]') as PackageInput[]
const checksums: string[] = []
for (const input of inputs) checksums.push((await buildPackage(input)).checksum)
process.stdout.write(JSON.stringify({ checksums, offsetMinutes: new Date(2020, 0, 1).getTimezoneOffset() }))
