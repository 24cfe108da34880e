// Entry point: read the configuration, open the store, seed the demo, listen.
import { logSerializers } from './http/log-serializers.ts'
import closeWithGrace from 'close-with-grace'
import { pino } from 'pino'
import { ConfigError, loadConfig } from './config.ts'
import { storageFromConfig } from './storage.ts'
import { openService } from './service.ts'
import { buildApp } from './http/app.ts'
import { seedDemo } from './seed-demo.ts'
import { isLocalOnlyUrl } from './local-address.ts'

async function main (): Promise<void> {
  let config
  try {
    config = loadConfig()
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\nSee README.md, "Configuration".\n`)
      process.exit(78)
    }
    throw error
  }
  const log = pino({ level: config.logLevel, serializers: logSerializers })
  const service = await openService({
    dataDir: config.dataDir,
    storage: storageFromConfig(config),
    publicUrl: config.publicUrl,
    outbound: config.outboundAddresses,
    log,
    // Work under way would run twice if this instance went on: stop, and let the supervisor restart it.
    onLeaseLost: () => { log.fatal('lost the lease on background work: stopping'); process.exit(1) },
    ...(config.kafka === undefined ? {} : { kafka: config.kafka }),
    ...(config.tokenSecret === undefined ? {} : { tokenSecret: config.tokenSecret })
  })
  const app = await buildApp(service.ctx, config, { logger: log })

  closeWithGrace({ delay: 10_000 }, async ({ err }) => {
    if (err !== undefined) log.error({ err }, 'shutting down after an error')
    await app.close()
    await service.close()
  })

  await app.listen({ port: config.port, host: config.host })
  const localOnly = isLocalOnlyUrl(config.publicUrl)
  if (localOnly) log.warn({ publicUrl: config.publicUrl }, 'PUBLIC_URL is an address only this machine reaches: LMS packages built now launch nowhere else; set PUBLIC_URL before exporting packages for a real LMS')
  if (config.seedDemo) {
    const { credentials, created } = await seedDemo(service.ctx, config.dataDir)
    log.info({ accountId: credentials.accountId, profileId: credentials.profileId, created }, created ? 'demo account seeded' : 'demo account present')
    process.stdout.write([
      '',
      `mastery-sync is running at ${config.publicUrl}`,
      `  API docs:        ${config.publicUrl}/docs`,
      `  admin key:       ${credentials.adminKey}`,
      `  demo profile:    ${credentials.profileId} (International Flags)`,
      `  learner login:   ${credentials.learner.email} / ${credentials.learner.password}`,
      `  credentials in:  ${config.dataDir}/demo-credentials.json`,
      ...(localOnly ? [`  note:            packages point at ${config.publicUrl}, which only this machine reaches; set PUBLIC_URL for a real LMS`] : []),
      ''
    ].join('\n') + '\n')
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`mastery-sync failed to start: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`)
  process.exit(1)
})
