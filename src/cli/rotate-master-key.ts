import { randomBytes } from 'node:crypto';
import { AesGcmSecretBox } from '../adapters/crypto/aes-gcm-secret-box';
import { forgetPreviousDevelopmentMasterKeys, readOrCreateDevelopmentMasterKeys, replaceDevelopmentMasterKey } from '../adapters/crypto/development-master-key';
import { MASTER_KEY_BYTES, masterKeyId } from '../adapters/crypto/master-key';
import { openDatabase, type Database } from '../adapters/db/database';
import { migrate } from '../adapters/db/migrate';
import { ResealError, resealAll, type ResealResult } from '../adapters/db/reseal';
import { createLogger, type Logger } from '../adapters/logging/logger';
import type { Config } from '../config/config';
import { ConfigError, loadConfig } from '../config/load-config';

const USAGE = `Usage: npm run rotate-master-key [-- --new-key]

Re-seals every secret Twofold keeps (tenants' shared secrets, TOTP seeds, connector keys and tokens)
under the current master key, so that older master keys can be retired.

Development (TWOFOLD_MASTER_KEY not set; keys in credentials/):
  npm run rotate-master-key -- --new-key
      generates a new master key into credentials/master.key (the old one moves to
      credentials/previous-master.keys), re-seals everything, then forgets the old key.
  npm run rotate-master-key
      re-seals under the current key (finishes an interrupted rotation), then forgets the old keys.
  Restart \`npm start\` afterwards.

Production:
  1. Deploy every instance with TWOFOLD_MASTER_KEY=<new key> and TWOFOLD_PREVIOUS_MASTER_KEYS=<old key>
     (comma-separated if several); new key: \`openssl rand -base64 32\`.
  2. Run this command once with the same environment (and DATABASE_URL). Running instances keep working.
  3. When it reports that everything is re-sealed, remove TWOFOLD_PREVIOUS_MASTER_KEYS.
  It is safe to rerun: an interrupted run is finished by the next one.

Options:
  --new-key   development only: generate a new master key first
  -h, --help  show this text

Exit status: 0 when everything is sealed under the current key; 1 on failure; 2 on a usage error.`;

/** A value the app rewrites while we re-seal it is left alone; a further pass picks it up. */
const MAX_PASSES = 3;

interface Arguments {
  help: boolean;
  newKey: boolean;
}

function parseArguments(argv: string[]): Arguments | string {
  const parsed: Arguments = { help: false, newKey: false };
  for (const argument of argv) {
    if (argument === '--help' || argument === '-h') parsed.help = true;
    else if (argument === '--new-key') parsed.newKey = true;
    else return `unknown argument: ${argument}`;
  }
  return parsed;
}

async function main(argv: string[]): Promise<number> {
  const args = parseArguments(argv);
  if (typeof args === 'string') {
    process.stderr.write(`${args}\n\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }

  const development = process.env.TWOFOLD_MASTER_KEY === undefined;
  if (args.newKey && !development) {
    process.stderr.write(
      '--new-key only rotates the development key in credentials/. With TWOFOLD_MASTER_KEY set, put the new key in ' +
        'TWOFOLD_MASTER_KEY and the old one in TWOFOLD_PREVIOUS_MASTER_KEYS, then run this command without --new-key.\n',
    );
    return 2;
  }

  const load = () => loadConfig(process.env, { developmentMasterKeys: () => readOrCreateDevelopmentMasterKeys() });
  let config: Config;
  try {
    // Validated before --new-key touches credentials/, so that a refused configuration changes nothing.
    config = load();
    if (args.newKey) {
      replaceDevelopmentMasterKey(randomBytes(MASTER_KEY_BYTES).toString('base64'));
      config = load();
    }
  } catch (error) {
    process.stderr.write(error instanceof ConfigError ? `${error.message}\n` : `rotate-master-key: ${(error as Error).message}\n`);
    return 1;
  }

  const logger = createLogger(config.logLevel);
  const currentKeyId = masterKeyId(config.masterKeys.current);
  if (args.newKey)
    logger.info({ keyId: currentKeyId }, `generated a new development master key (${currentKeyId}); the old one is kept until re-sealing is done`);

  let database: Database | undefined;
  try {
    database = await openDatabase(config.databaseUrl, logger);
    const secretBox = new AesGcmSecretBox(config.masterKeys.current, config.masterKeys.previous);
    // Pending migrations first; 0200 re-seals values bound to the old, ambiguous contexts with this box.
    await migrate(database, logger, secretBox);
    logger.info(
      { keyId: currentKeyId, previousKeyIds: config.masterKeys.previous.map(masterKeyId) },
      `re-sealing every sealed value under master key ${currentKeyId}`,
    );

    let complete = false;
    for (let pass = 1; pass <= MAX_PASSES && !complete; pass += 1) {
      const results = await resealAll(database, secretBox, logger);
      for (const result of results) logSummary(logger, result, pass);
      complete = results.every((result) => result.skipped === 0);
    }
    if (!complete) {
      logger.error('some values kept changing while being re-sealed (is a running instance still on the old key?); keep the previous keys and rerun');
      return 1;
    }

    if (development) {
      forgetPreviousDevelopmentMasterKeys();
      logger.info(`everything is sealed under master key ${currentKeyId}; credentials/previous-master.keys has been emptied. Restart \`npm start\`.`);
    } else if (config.masterKeys.previous.length > 0) {
      logger.info(`everything is sealed under master key ${currentKeyId}: TWOFOLD_PREVIOUS_MASTER_KEYS can now be removed from every instance's environment.`);
    } else {
      logger.info(`everything is sealed under master key ${currentKeyId}.`);
    }
    return 0;
  } catch (error) {
    if (error instanceof ResealError) {
      // An expected stop: the message names the row (never the value); a stack would only add noise.
      logger.error({ table: error.table, column: error.column, rowKeys: error.rowKeys }, `rotate-master-key stopped: ${error.message}`);
    } else {
      logger.error({ err: error }, `rotate-master-key failed: ${(error as Error).message}`);
    }
    return 1;
  } finally {
    await database?.close().catch(() => undefined);
  }
}

function logSummary(logger: Logger, result: ResealResult, pass: number): void {
  logger.info(
    { pass, ...result },
    `${result.table}.${result.column}: ${result.resealed} re-sealed, ${result.alreadyCurrent} already current` +
      (result.skipped > 0 ? `, ${result.skipped} changed meanwhile` : ''),
  );
}

main(process.argv.slice(2)).then(
  (status) => process.exit(status),
  (error: unknown) => {
    process.stderr.write(`rotate-master-key: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
