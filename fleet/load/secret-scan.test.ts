import { describe, expect, it } from 'vitest';
import {
  type FleetManifests,
  fleetFiles,
  lineNumberOf,
  SHARED_TENANT,
  snapshot,
  validFleetFiles,
  validFleetManifests,
} from '../../test/fleet-fixtures.js';
import { billingFile, catalogFile, secretsFile, tenantFile } from '../paths.js';
import { formatIssue, loadFleet } from './index.js';

const TENANT = tenantFile(SHARED_TENANT);
/** Secret-shaped test values are assembled at run time, so no secret scanner trips over this file. */
const fake = (...parts: string[]) => parts.join('');
const STRIPE_KEY = fake('sk_', 'live_', '51Habcdefghijklmnop');
const GITHUB_TOKEN = fake('ghp', '_abcdefghijklmnopqrstuvwxyz0123');
const ADVICE = 'secrets belong in secrets.age, encrypted';

/** Loads the fixture with `config` as the shared tenant's welcome module config. */
function reportForConfig(config: Record<string, string | number | boolean>): { lines: string[]; text: string } {
  const m: FleetManifests = validFleetManifests();
  const welcome = m.tenants[SHARED_TENANT]?.tenant.modules.welcome;
  if (!welcome) throw new Error('fixture');
  welcome.config = config;
  const files = fleetFiles(m);
  const result = loadFleet(snapshot(files));
  return { lines: result.ok ? [] : result.issues.map(formatIssue), text: files.get(TENANT) ?? '' };
}

describe('plaintext secrets outside secrets.age', () => {
  it.each([
    ['a Telegram bot token', '7000000001:AAH_plain_token_0123456789abcdefghij'],
    ['a bot token inside a Bot API URL', 'https://api.telegram.org/bot7000000001:AAH_plain_token_0123456789abcdefghij/getMe'],
    ['a bot token with a short bot id', '42:AAH_plain_token_0123456789abcdefghij'],
    ['a Stripe live key', STRIPE_KEY],
    ['a Stripe restricted key', fake('rk_', 'live_', '51Habcdefghijklmnop')],
    ['a Stripe webhook secret', fake('whsec', '_abcdefghijklmnop')],
    ['a GitHub token', GITHUB_TOKEN],
    ['an age identity', fake('AGE-SECRET-', 'KEY-1', 'Q'.repeat(58))],
    ['a private key', fake('-----BEGIN OPENSSH ', 'PRIVATE KEY-----')],
    ['a URL with credentials', 'postgres://shop:hunter2@db.internal:5432/shop'],
    ['a URL with a password only', 'redis://:hunter2@cache:6379/0'],
    // The shortest text each pattern matches: values shorter than a pattern's match skip it.
    ['the shortest bot token', fake('1:', 'A'.repeat(30))],
    ['the shortest Stripe key', fake('sk_', 'test_', 'a'.repeat(8))],
    ['the shortest webhook secret', fake('whsec', '_', 'a'.repeat(8))],
    ['the shortest GitHub token', fake('gho', '_', 'a'.repeat(20))],
    ['the shortest DigitalOcean token', fake('dop', '_v1_', 'f'.repeat(20))],
    ['the shortest age identity', fake('AGE-SECRET-', 'KEY-1', 'Q')],
    ['the shortest private key', fake('-----BEGIN ', 'PRIVATE KEY-----')],
    ['the shortest URL with a password', 'a://:p@'],
  ])('finds %s, at its line, without echoing it', (kind, secret) => {
    const { lines, text } = reportForConfig({ GREETING: 'Hello!', WEBHOOK: secret });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^${TENANT}:${lineNumberOf(text, 'WEBHOOK:')}: modules\\.welcome\\.config\\.WEBHOOK: looks like .+: ${ADVICE}$`));
    expect(lines[0]).not.toContain(secret);
    expect(lines[0]).not.toContain(secret.slice(-12));
    expect(kind).toBeTruthy();
  });

  it.each([
    ['DB_PASSWORD', 'hunter2'],
    ['SMTP_PASS', 'hunter2'],
    ['API_KEY', 'abc123'],
    ['CLIENT_SECRET', 'abc123'],
    ['ACCESS_TOKEN', 'abc123'],
    ['DB_PASSWORD', 12345678],
  ])('finds a %s value by its key name, without echoing it', (key, value) => {
    const { lines, text } = reportForConfig({ GREETING: 'Hello!', [key]: value });
    expect(lines).toEqual([`${TENANT}:${lineNumberOf(text, `${key}:`)}: modules.welcome.config.${key}: "${key}" looks like a secret: ${ADVICE}`]);
    expect(lines[0]).not.toContain(String(value));
  });

  it('finds a password key anywhere, even where the schema would refuse the key', () => {
    const files = validFleetFiles();
    files.set(TENANT, `${files.get(TENANT) ?? ''}password: correct-horse-battery\n`);
    const result = loadFleet(snapshot(files));
    const lines = result.ok ? [] : result.issues.map(formatIssue);
    expect(lines).toEqual([`${TENANT}:${lineNumberOf(files.get(TENANT), 'password:')}: password: "password" looks like a secret: ${ADVICE}`]);
  });

  it('finds a secret used as a key, and names only the parent field', () => {
    const token = '7000000001:AAH_plain_token_0123456789abcdefghij';
    const files = validFleetFiles();
    files.set(TENANT, (files.get(TENANT) ?? '').replace('      GREETING: Hello!\n', `      GREETING: Hello!\n      "${token}": x\n`));
    const result = loadFleet(snapshot(files));
    const lines = result.ok ? [] : result.issues.map(formatIssue);
    expect(lines).toEqual([
      `${TENANT}:${lineNumberOf(files.get(TENANT), token)}: modules.welcome.config: a key here looks like a Telegram bot token: ${ADVICE}`,
    ]);
    expect(lines[0]).not.toContain(token);
  });

  it('scans every manifest but secrets.age, and reports each hit', () => {
    const files = validFleetFiles();
    files.set(catalogFile('core'), `${files.get(catalogFile('core')) ?? ''}description:\n  en: "token: ${STRIPE_KEY}"\n`);
    files.set(billingFile(SHARED_TENANT), (files.get(billingFile(SHARED_TENANT)) ?? '').replace('status: active', `status: active\nstatusReason: "paid with ${GITHUB_TOKEN}"`));
    const result = loadFleet(snapshot(files));
    expect(result.ok ? [] : result.issues.map(formatIssue)).toEqual([
      `${catalogFile('core')}:${lineNumberOf(files.get(catalogFile('core')), '  en: "token')}: description.en: looks like a Stripe secret key: ${ADVICE}`,
      `${billingFile(SHARED_TENANT)}:2: statusReason: looks like a GitHub token: ${ADVICE}`,
    ]);
  });

  it('refuses a plaintext value in secrets.age by its schema, without echoing it', () => {
    const token = '7000000001:AAH_plain_token_0123456789abcdefghij';
    const files = validFleetFiles();
    files.set(secretsFile(SHARED_TENANT), `values:\n  BOT_TOKEN: "${token}"\n`);
    const result = loadFleet(snapshot(files));
    const lines = result.ok ? [] : result.issues.map(formatIssue);
    expect(lines).toEqual([
      `${secretsFile(SHARED_TENANT)}:2: values.BOT_TOKEN: must be an age-encrypted, ASCII-armored value (-----BEGIN AGE ENCRYPTED FILE-----)`,
    ]);
  });

  it('does not flag what only resembles a secret', () => {
    const { lines } = reportForConfig({
      GREETING: 'Meet us at 10:30, password reset is in the menu',
      SUPPORT_URL: 'https://example.com:8443/help?user=bob',
      IMAGE: `ghcr.io/acme/x@sha256:${'ab'.repeat(32)}`,
      SHOW_TOKEN_BUTTON: true,
      TOKEN_LIMIT: 5,
      EMPTY_SECRET: '',
    });
    expect(lines).toEqual([]);
  });
});
