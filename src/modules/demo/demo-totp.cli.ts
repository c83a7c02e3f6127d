import { generate } from 'otplib';
import { isEntryModule, processIo, type CliIo } from '../../cli.js';
import { TOTP_PERIOD_SECONDS } from '../auth/mfa.js';
import { demoTotpSecret, NAMED_ACCOUNTS } from './demo.accounts.js';

/**
 * npm run -s demo:totp -- staff.interior@demo.invalid
 * The current second-factor code of a named demo account (its secret is derived from the email, so no
 * database is needed), for `POST /auth/login {"email", "password", "totp"}` in the README walk-through.
 * Each code is accepted once: a second sign-in of the same account waits for the next 30-second step.
 * Without an email, every named account with its code. Exit 0, or 2 for an email that is not one of them.
 */
export async function main(argv: string[], io: CliIo, now: () => number = Date.now): Promise<number> {
  const emails = NAMED_ACCOUNTS.map((a) => a.email);
  const [email] = argv;
  const epoch = Math.floor(now() / 1000);
  if (email === undefined) {
    for (const account of emails) io.stdout.write(`${account.padEnd(32)} ${await generate({ secret: demoTotpSecret(account), epoch, period: TOTP_PERIOD_SECONDS })}\n`);
    return 0;
  }
  if (argv.length > 1 || !emails.includes(email.toLowerCase())) {
    io.stderr.write(`usage: npm run -s demo:totp -- <email>, one of:\n${emails.map((e) => `  ${e}\n`).join('')}`);
    return 2;
  }
  io.stdout.write(`${await generate({ secret: demoTotpSecret(email), epoch, period: TOTP_PERIOD_SECONDS })}\n`);
  return 0;
}

if (isEntryModule(import.meta.url)) process.exitCode = await main(process.argv.slice(2), processIo);
