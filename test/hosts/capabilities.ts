import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, it } from 'vitest';

/**
 * What a test host needs from this machine. Tests that need hosts skip, with one line saying why,
 * where the machine cannot run them; in CI (`CI=true`) the same gap fails instead, so a runner
 * that lost docker or root cannot turn the host tests green by skipping them.
 */
const TOOLS = ['ip', 'nsenter', 'dockerd', 'docker', 'docker-compose', 'sshd', 'ssh', 'ssh-keygen', 'tar', 'umount', 'busybox'] as const;
export type Tool = (typeof TOOLS)[number];

/** sbin directories are often missing from a non-login PATH, and they hold `ip`, `sshd`, `dockerd`. */
const SEARCH_PATH = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'].filter(
  (d) => d !== '',
);

/** The absolute path of a tool, or null. sshd refuses to start from a relative path. */
export function which(name: string): string | null {
  for (const dir of SEARCH_PATH) {
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // Not in this directory; try the next.
    }
  }
  return null;
}

/** The absolute path of a tool the harness needs; throws naming it when missing. */
export function tool(name: Tool): string {
  const path = which(name);
  if (path === null) throw new Error(`test hosts need \`${name}\`, which is not on this machine`);
  return path;
}

export type Availability = { ok: true } | { ok: false; reason: string };

export function hostTestsAvailable(): Availability {
  if (process.platform !== 'linux') return { ok: false, reason: `test hosts need Linux network namespaces (this is ${process.platform})` };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'test hosts need root (network namespaces, dockerd, sshd)' };
  const missing = TOOLS.filter((t) => which(t) === null);
  if (missing.length > 0) return { ok: false, reason: `test hosts need ${missing.join(', ')}, not found on this machine` };
  return { ok: true };
}

/**
 * `describe` for tests that start test hosts: runs them when the machine can, skips them with the
 * reason in the suite's name when it cannot, and fails when it cannot but `CI=true`.
 */
export function describeWithHosts(name: string, fn: () => void): void {
  const availability = hostTestsAvailable();
  if (!availability.ok && process.env.CI === 'true') {
    describe(name, () => {
      it('has what test hosts need (CI=true: a missing capability fails, it does not skip)', () => {
        throw new Error(availability.reason);
      });
    });
    return;
  }
  // Outside CI a machine without root, ip, dockerd or sshd skips these, saying why in one line.
  describe.skipIf(!availability.ok)(availability.ok ? name : `${name} — skipped: ${availability.reason}`, fn);
}
