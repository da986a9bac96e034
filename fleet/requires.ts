import semver from 'semver';

type RequiresOf = (module: string, version: string) => Readonly<Record<string, string>> | undefined;

/**
 * Every `requires` of a set of installed module versions that does not hold, in words.
 * Shared by the fleet validator and the change builders, so both refuse the same things.
 */
export function requiresProblems(requiresOf: RequiresOf, modules: Readonly<Record<string, { version: string }>>): string[] {
  const problems: string[] = [];
  for (const [name, { version }] of Object.entries(modules)) {
    for (const [dep, range] of Object.entries(requiresOf(name, version) ?? {})) {
      const have = modules[dep]?.version;
      if (have === undefined) problems.push(`${name}@${version} requires ${dep} ${range}, which is not installed`);
      else if (!semver.satisfies(have, range)) problems.push(`${name}@${version} requires ${dep} ${range}, but ${dep} is ${have}`);
    }
  }
  return problems;
}
