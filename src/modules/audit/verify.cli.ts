/**
 * npm run audit:verify [-- --full] [-- --checkpoint-seq N --checkpoint-hash H]
 * Recomputes the audit hash chain (incremental from the last verified checkpoint unless --full),
 * prints the report as JSON, and exits 0 when the chain is intact, 1 when it is not, 2 on error.
 */
import { parseArgs } from 'node:util';
import { isEntryModule, processIo, type CliIo } from '../../cli.js';
import { ConfigError, loadConfig } from '../../config.js';
import { createDatabase } from '../../db/client.js';
import { resolveSecrets } from '../../secrets.js';
import { checkpointKey } from './audit.chain.js';
import { checkpointHook } from './audit.checkpoints.js';
import { SYSTEM_CONTEXT } from './audit.context.js';
import { runVerification } from './audit.service.js';
import { createAuditWriter } from './audit.writer.js';

async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      full: { type: 'boolean', default: false },
      'checkpoint-seq': { type: 'string' },
      'checkpoint-hash': { type: 'string' },
    },
  });
  const seqText = values['checkpoint-seq'];
  const hash = values['checkpoint-hash'];
  if ((seqText === undefined) !== (hash === undefined) || (seqText !== undefined && !/^\d+$/.test(seqText)) || (hash !== undefined && !/^[0-9a-f]{64}$/.test(hash))) {
    io.stderr.write('--checkpoint-seq (a number) and --checkpoint-hash (64 hex digits) go together\n');
    return 2;
  }
  const config = loadConfig(io.env);
  const secrets = resolveSecrets(config);
  const key = checkpointKey(secrets.auditSigningKey);
  const database = createDatabase(config.database);
  try {
    const writer = createAuditWriter({
      hmacKey: secrets.auditHmacKey,
      onAppended: checkpointHook({ key, every: config.audit.checkpointEvery, minutes: config.audit.checkpointMinutes }),
    });
    const result = await runVerification({
      database,
      audit: writer,
      key,
      context: SYSTEM_CONTEXT,
      full: values.full,
      checkpoint: seqText !== undefined && hash !== undefined ? { seq: Number(seqText), hash } : undefined,
      via: 'cli',
    });
    io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return result.ok ? 0 : 1;
  } finally {
    await database.close();
  }
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  try {
    return await run(argv, io);
  } catch (error) {
    io.stderr.write(`${error instanceof ConfigError ? error.message : `audit:verify failed: ${error instanceof Error ? error.message : String(error)}`}\n`);
    return 2;
  }
}

if (isEntryModule(import.meta.url)) process.exit(await main(process.argv.slice(2), processIo));
