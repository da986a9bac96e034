import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { CliIo } from './io.js';

/**
 * Test helpers for the CLI: captured io, temporary directories and a valid fleet. Kept free of
 * vitest so it type-checks and builds with the rest of cli/.
 */

export interface CapturedIo extends CliIo {
  /** Lines written so far, without their newlines. */
  out(): string[];
  err(): string[];
}

export function captureIo(cwd: string, env: Record<string, string> = {}): CapturedIo {
  let stdout = '';
  let stderr = '';
  const lines = (text: string) => (text === '' ? [] : text.replace(/\n$/, '').split('\n'));
  return {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env,
    cwd,
    out: () => lines(stdout),
    err: () => lines(stderr),
  };
}

export const tempDir = (name: string): Promise<string> => mkdtemp(join(tmpdir(), `buckfleet-${name}-`));

export async function writeTree(dir: string, files: Readonly<Record<string, string>>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
}

/** A valid fleet: 3 tenants (shared, dedicated, suspended), 1 host, 2 modules. */
export const VALID_FLEET: Readonly<Record<string, string>> = {
  'fleet.yaml': `name: acme
plans:
  basic:
    title: Basic
    price: { amount: 900, currency: usd }
  pro:
    title: Pro
    price: { amount: 2900, currency: usd }
    placement: dedicated
`,
  'hosts/h-one.yaml': `name: h-one
region: fra1
size: s-2vcpu-4gb
capacity: 20
`,
  'catalog/core.yaml': `name: core
title: { en: Core }
versions:
  "1.1.0": { image: "ghcr.io/acme/core:1.1.0", releasedAt: "2026-09-01T00:00:00Z" }
  "1.2.0": { image: "ghcr.io/acme/core:1.2.0", releasedAt: "2026-10-01T00:00:00Z" }
`,
  'catalog/welcome.yaml': `name: welcome
title: { en: Welcome }
versions:
  "0.3.1":
    image: "ghcr.io/acme/welcome:0.3.1"
    releasedAt: "2026-10-02T00:00:00Z"
    requires: { core: ">=1.2.0 <2" }
`,
  'tenants/acme/tenant.yaml': `slug: acme
owner: { telegramUserId: 111, username: acme_owner }
plan: basic
placement: { type: shared, host: h-one }
modules:
  core: { version: 1.2.0 }
  welcome: { version: 0.3.1, channel: auto }
createdAt: "2026-11-01T00:00:00Z"
`,
  'tenants/acme/billing.yaml': `status: active
paidThrough: "2026-12-01T00:00:00Z"
periods:
  - id: in_0001
    start: "2026-11-01T00:00:00Z"
    end: "2026-12-01T00:00:00Z"
    source: stripe
    amount: { amount: 900, currency: usd }
`,
  'tenants/beta/tenant.yaml': `slug: beta
owner: { telegramUserId: 222 }
plan: pro
placement: { type: dedicated, region: fra1, size: s-1vcpu-1gb }
modules:
  core: { version: 1.2.0 }
createdAt: "2026-11-02T00:00:00Z"
`,
  'tenants/beta/billing.yaml': `status: past_due
paidThrough: null
`,
  'tenants/gamma/tenant.yaml': `slug: gamma
owner: { telegramUserId: 333, username: gamma_owner }
plan: basic
placement: { type: shared, host: h-one }
modules:
  core: { version: 1.1.0 }
createdAt: "2026-10-01T00:00:00Z"
`,
  'tenants/gamma/billing.yaml': `status: suspended
paidThrough: "2026-11-01T00:00:00Z"
periods:
  - id: manual-7
    start: "2026-10-01T00:00:00Z"
    end: "2026-11-01T00:00:00Z"
    source: manual
    amount: { amount: 900, currency: usd }
    approvedBy: 999
`,
  'README.md': '# acme fleet\n',
};
