import type { Command } from 'commander';
import { loadConfig } from '../../app/config.js';
import { formatCheck, runDoctor } from '../doctor.js';
import { type CommandContext, println } from '../io.js';

/** `buckfleet doctor`: whether every configured connection works, one line each. */
export function registerDoctor(program: Command, ctx: CommandContext): void {
  program
    .command('doctor')
    .summary('check every configured connection')
    .description(
      'Check every configured connection: the control database (connect, pending migrations), the fleet repo (head of main, loads), ' +
        'GitHub (token, repository), DigitalOcean (token), Stripe (key), Telegram (bot token, getMe), the SSH key (readable, mode 0600, parses) ' +
        'and the age identity (parses, matches the fleet\'s recipient). One line each: ✓ works, ✗ does not and why, – not configured. ' +
        'Exit 1 when a configured check fails. No secret is printed.',
    )
    .action(async () => {
      const results = await runDoctor(loadConfig(ctx.io.env), ctx.io.cwd);
      for (const r of results) println(ctx.io.stdout, formatCheck(r));
      if (results.some((r) => r.state === 'failed')) ctx.exitCode = 1;
    });
}
