/**
 * npm run user:create -- <username> [--name "Display name"] [--admin] [--password-file F]
 * (in the stack: docker compose exec app node app/dist/users/user.cli.js <username> --admin)
 * The password comes from a prompt, standard input or a file: never from argv or the environment.
 */
import fs from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config';
import { Database } from '../db/database';
import { createLogger } from '../logger';
import { getAccountModels } from './user.model';
import { AccountsService } from './users.service';
import { parseWith, registerSchema } from './users.validation';

export const USAGE = `usage: user:create <username> [--name "Display name"] [--admin] [--password-file F]

Creates an account (also with REGISTRATION=closed). The password is read from --password-file (its first
line), else typed at a prompt, else the first line of standard input. exit: 0 created, 1 failed, 2 bad input.`;

export interface UserCliArgs {
  username: string;
  name: string;
  admin: boolean;
  passwordFile?: string;
}

/** The command line, or a message for exit 2. */
export function parseUserArgs(argv: string[]): UserCliArgs | { error: string } {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        name: { type: 'string' },
        admin: { type: 'boolean', default: false },
        'password-file': { type: 'string' },
      },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length !== 1) return { error: 'give exactly one username' };
    const username = positionals[0]!;
    return {
      username,
      name: values.name ?? username,
      admin: values.admin!,
      passwordFile: values['password-file'],
    };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** One line from a file, the terminal (not echoed) or piped standard input; without its line break. */
async function readPassword(file?: string): Promise<string> {
  if (file) return fs.readFileSync(file, 'utf8').split(/\r?\n/)[0] ?? '';
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: process.stdin.isTTY });
  if (process.stdin.isTTY) {
    process.stderr.write('Password: ');
    // Typed characters are not echoed back.
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => {};
  }
  const line = await new Promise<string>((resolve) =>
    rl.once('line', resolve).once('close', () => resolve('')),
  );
  rl.close();
  if (process.stdin.isTTY) process.stderr.write('\n');
  return line;
}

async function main(): Promise<number> {
  const args = parseUserArgs(process.argv.slice(2));
  if ('error' in args) {
    console.error(`${args.error}\n${USAGE}`);
    return 2;
  }
  const password = await readPassword(args.passwordFile);
  const input = parseWith(registerSchema, { username: args.username, displayName: args.name, password });
  if (!input.ok) {
    console.error(Object.values(input.errors).flat().join('\n'));
    return 2;
  }
  const config = loadConfig();
  const db = new Database(config.db, createLogger({ ...config, logLevel: 'warn' }));
  const deadline = setTimeout(() => {
    console.error('could not connect to MongoDB within 30 s');
    process.exit(1);
  }, 30_000);
  try {
    await db.connectWithRetry();
    clearTimeout(deadline);
    const models = getAccountModels(db.connection);
    await models.User.init();
    const created = await new AccountsService(models).register(input.value, args.admin ? 'admin' : 'user');
    if (created === 'taken') {
      console.error(`user ${input.value.username} exists already`);
      return 1;
    }
    console.log(`created ${args.admin ? 'admin' : 'user'} ${input.value.username}`);
    return 0;
  } finally {
    await db.close();
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error('user:create failed:', err instanceof ConfigError ? err.message : (err as Error).message);
      process.exit(1);
    },
  );
}
