import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * The one test of the real executable: `bin/buckfleet.js` runs the compiled `dist/cli/main.js`,
 * so this proves the build output runs under plain node (ESM paths, the package.json lookup)
 * and that the bin wiring is right. Everything else runs `run()` in-process.
 */
describe('bin/buckfleet.js', () => {
  beforeAll(() => {
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'pipe' });
  }, 120_000);

  it('prints the help and exits 0', () => {
    const result = spawnSync(process.execPath, ['bin/buckfleet.js', '--help'], { cwd: ROOT, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: buckfleet \[options\] \[command\]/);
    expect(result.stdout).toContain('validate [dir]');
  });
});
