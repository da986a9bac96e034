/** The value after `name` on the benchmark's command line (`--runs 5`), if it is there. */
export function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
}
