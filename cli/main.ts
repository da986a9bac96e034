import { Command, CommanderError } from 'commander';
import { registerDb } from './commands/db.js';
import { registerDoctor } from './commands/doctor.js';
import { registerImport } from './commands/import.js';
import { registerInit } from './commands/init.js';
import { registerModule } from './commands/module.js';
import { registerPr } from './commands/pr.js';
import { registerReconcile } from './commands/reconcile.js';
import { registerRelease } from './commands/release.js';
import { registerSchema } from './commands/schema.js';
import { registerStatus } from './commands/status.js';
import { registerTenant } from './commands/tenant.js';
import { registerUp } from './commands/up.js';
import { registerValidate } from './commands/validate.js';
import { EXIT_FAILURE, EXIT_USAGE, errorLines, UsageError } from './errors.js';
import { type CliIo, type CommandContext, println, processIo } from './io.js';
import { packageVersion } from './version.js';

const DESCRIPTION =
  'buckfleet sells and runs hosted Telegram multi-bots the GitOps way: every change to the fleet ' +
  'is a commit of YAML manifests to a fleet Git repo, and a reconciler makes the real world match main.';

/**
 * Runs one `buckfleet` command line and returns its exit code: 0 done, 1 failed (one
 * `buckfleet: <message>` line per problem on stderr, or a negative result such as an invalid
 * fleet), 2 usage error. Never exits the process and never prints a stack trace, so the bin
 * and the tests run it the same way.
 */
export async function run(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const ctx: CommandContext = { io, exitCode: 0 };
  try {
    await buildProgram(ctx).parseAsync([...argv], { from: 'user' });
    return ctx.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return commanderExitCode(error);
    for (const line of errorLines(error)) println(io.stderr, line);
    return error instanceof UsageError ? EXIT_USAGE : EXIT_FAILURE;
  }
}

/** A fresh program per run: commander keeps parse state on the instance. */
function buildProgram(ctx: CommandContext): Command {
  const program = new Command('buckfleet')
    .description(DESCRIPTION)
    .version(packageVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help for a command')
    .helpCommand('help [command]', 'show help for a command')
    // Settings made before `.command()` are inherited by every subcommand.
    .exitOverride()
    .configureOutput({
      writeOut: (text) => ctx.io.stdout.write(text),
      writeErr: (text) => ctx.io.stderr.write(text),
      // Commander's usage errors ("error: unknown command 'x'\n(Did you mean y?)") as one line.
      outputError: (text, write) => write(`buckfleet: ${text.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ').trim()}\n`),
    });
  registerValidate(program, ctx);
  registerSchema(program, ctx);
  registerInit(program, ctx);
  registerTenant(program, ctx);
  registerReconcile(program, ctx);
  registerUp(program, ctx);
  registerRelease(program, ctx);
  registerModule(program, ctx);
  registerPr(program, ctx);
  registerStatus(program, ctx);
  registerDoctor(program, ctx);
  registerDb(program, ctx);
  registerImport(program, ctx);
  return program;
}

/**
 * Help asked for and the version are successes. Help shown because no command was given
 * (`commander.help` with a non-zero code) and everything else commander stops on are usage errors.
 */
function commanderExitCode(error: CommanderError): number {
  if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
  if (error.code === 'commander.help' && error.exitCode === 0) return 0;
  return EXIT_USAGE;
}
