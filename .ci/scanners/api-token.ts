// Registers an account on the stack at argv[2] the way a person would and prints one API token for it (for
// schemathesis' Authorization header). The token goes to stdout only: the caller keeps it in a variable.
import { registerAccount } from '../../test/support/accounts';

registerAccount(process.argv[2]!, 'schemathesis').then(
  (account) => process.stdout.write(`${account.token}\n`),
  (err: unknown) => {
    console.error(`could not register an account: ${(err as Error).message}`);
    process.exit(1);
  },
);
