import { describe, expect, it } from 'vitest';
import { run } from './main.js';
import { captureIo } from './testing.js';

describe('buckfleet (the program)', () => {
  it.each([
    [['--help'], 'Usage: buckfleet [options] [command]'],
    [['validate', '--help'], 'Usage: buckfleet validate [options] [dir]'],
    [['schema', '--help'], 'Usage: buckfleet schema [options] [outdir]'],
    [['init', '--help'], 'Usage: buckfleet init [options] [dir]'],
    [['tenant', '--help'], 'Usage: buckfleet tenant [options] [command]'],
    [['tenant', 'list', '--help'], 'Usage: buckfleet tenant list [options]'],
    [['help', 'validate'], 'Usage: buckfleet validate [options] [dir]'],
  ])('%j prints help on stdout and exits 0', async (argv, usage) => {
    const io = captureIo('/');
    expect(await run(argv, io)).toBe(0);
    expect(io.out()[0]).toBe(usage);
    expect(io.out().length).toBeGreaterThan(3);
    expect(io.err()).toEqual([]);
  });

  it('describes buckfleet and lists the commands in the top-level help', async () => {
    const io = captureIo('/');
    await run(['--help'], io);
    const help = io.out().join('\n');
    expect(help).toContain('hosted Telegram multi-bots the GitOps way');
    for (const command of ['validate', 'schema', 'init', 'tenant']) expect(help).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
  });

  it('prints the version', async () => {
    const io = captureIo('/');
    expect(await run(['--version'], io)).toBe(0);
    expect(io.out()).toEqual([expect.stringMatching(/^\d+\.\d+\.\d+/)]);
  });

  it('an unknown command is a usage error: one line, exit 2', async () => {
    const io = captureIo('/');
    expect(await run(['valdate'], io)).toBe(2);
    expect(io.err()).toEqual(["buckfleet: unknown command 'valdate' (Did you mean validate?)"]);
    expect(io.out()).toEqual([]);
  });

  it.each([
    [['validate', 'a', 'b'], "buckfleet: too many arguments for 'validate'. Expected 1 argument but got 2."],
    [['tenant', 'list', '--bogus'], "buckfleet: unknown option '--bogus'"],
    [['tenant', 'list', '--dir'], "buckfleet: option '--dir <dir>' argument missing"],
  ])('%j is a usage error in one line, exit 2', async (argv, line) => {
    const io = captureIo('/');
    expect(await run(argv, io)).toBe(2);
    expect(io.err()).toEqual([line]);
  });

  it('no command shows the help on stderr, exit 2', async () => {
    const io = captureIo('/');
    expect(await run([], io)).toBe(2);
    expect(io.err()[0]).toBe('Usage: buckfleet [options] [command]');
    expect(io.out()).toEqual([]);
  });
});
