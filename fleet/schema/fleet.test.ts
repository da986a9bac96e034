import { describe, expect, it } from 'vitest';
import { TEST_RECIPIENT, validFleetManifests } from '../../test/fleet-fixtures.js';
import { FleetConfig, MergePolicy, Plan } from './fleet.js';
import { refusalIssues } from '../../test/schema-issues.js';

const validFleet = () => validFleetManifests().fleet;

const issues = (value: unknown): string[] => refusalIssues(FleetConfig, value, 'fleet.yaml');

describe('FleetConfig', () => {
  it('accepts the fixture and fills every default', () => {
    const f = FleetConfig.parse(validFleet());
    expect(f.defaults).toEqual({ region: 'fra1', size: 's-1vcpu-1gb', image: 'ubuntu-24-04-x64', hostCapacity: 20, hostSize: 's-2vcpu-4gb' });
    expect(f.plans.pro).toMatchObject({ interval: 'month', placement: 'dedicated', maxModules: 10 });
    expect(f.billing).toEqual({ graceDays: 3, retentionDays: 30, reminderDays: [7, 3, 1], manualPayments: { enabled: true, instructions: 'Pay by bank transfer.' } });
    expect(f.rollout).toEqual({ soakMinutes: 30 });
    expect(f.secretsRecipient).toBe(TEST_RECIPIENT);
  });

  it('needs only a name and a plan', () => {
    const f = FleetConfig.parse({ name: 'tiny', plans: { basic: { title: 'Basic', price: { amount: 100, currency: 'usd' } } } });
    expect(f.mergePolicy).toEqual({ default: 'review', kinds: {} });
    expect(f.admins).toEqual([]);
  });

  it('needs at least one plan', () => {
    expect(issues({ ...validFleet(), plans: {} })).toEqual(['plans: at least one plan is needed']);
  });

  it('refuses a plan name that is not lowercase', () => {
    const r = FleetConfig.safeParse({ ...validFleet(), plans: { Gold: validFleet().plans.basic } });
    expect(r.error?.issues).toMatchObject([{ code: 'invalid_key', path: ['plans', 'Gold'] }]);
    expect(r.error?.issues[0]?.code === 'invalid_key' && r.error.issues[0].issues[0]?.message).toBe(
      'must be lowercase letters, digits and "-", starting with a letter',
    );
  });

  it.each([
    ['a bad fleet name', { name: 'Acme Fleet' }, 'name: must be 3-32 characters of a-z, 0-9 and "-", start with a letter and not end with "-"'],
    ['a non-age recipient', { secretsRecipient: 'ssh-ed25519 AAAA' }, 'secretsRecipient: must be an age X25519 recipient (age1...)'],
    ['a channel without @', { requiredChannel: 'acme_news' }, 'requiredChannel: must be a channel username such as @acme_news'],
    ['an admin id that is not a number', { admins: ['alice'] }, 'admins.0: must be a Telegram user id (a positive integer)'],
    ['a canary percentage over 100', { rollout: { canary: { percent: 150 } } }, 'rollout.canary.percent: Too big: expected number to be <=100'],
    ['a canary slug that is not a slug', { rollout: { canary: ['../x'] } }, 'rollout.canary.0: must be 3-32 characters of a-z, 0-9 and "-", start with a letter and not end with "-"'],
    ['a region typo', { defaults: { region: 'Frankfurt' } }, 'defaults.region: must be a DigitalOcean region such as fra1'],
  ])('refuses %s', (_, patch, message) => {
    expect(issues({ ...validFleet(), ...patch })).toEqual([message]);
  });

  it('refuses unknown keys at every depth (strict)', () => {
    const fleet = validFleet() as Record<string, unknown>;
    const r = FleetConfig.safeParse({ ...fleet, extra: 1, billing: { graceDays: 3, grace: 5 }, defaults: { regoin: 'fra1' } });
    expect(r.error?.issues.filter((i) => i.code === 'unrecognized_keys').map((i) => [i.path.join('.'), i.keys])).toEqual([
      ['defaults', ['regoin']],
      ['billing', ['grace']],
      ['', ['extra']],
    ]);
  });
});

describe('Plan', () => {
  it('defaults to a monthly, shared plan of 10 modules', () => {
    expect(Plan.parse({ title: 'Basic', price: { amount: 500, currency: 'usd' } })).toEqual({
      title: 'Basic',
      price: { amount: 500, currency: 'usd' },
      interval: 'month',
      placement: 'shared',
      maxModules: 10,
    });
  });
  it('refuses a price in a float and a yearly interval', () => {
    const r = Plan.safeParse({ title: 'Basic', price: { amount: 4.99, currency: 'usd' }, interval: 'year' });
    expect(r.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'price.amount: Invalid input: expected int, received number',
      'interval: Invalid input: expected "month"',
    ]);
  });
  it('refuses a Stripe id that is not a price id', () => {
    const r = Plan.safeParse({ title: 'Basic', price: { amount: 1, currency: 'usd' }, stripePriceId: 'prod_123' });
    expect(r.error?.issues.map((i) => i.message)).toEqual(['must be a Stripe price id (price_...)']);
  });
});

describe('MergePolicy', () => {
  it('lets changes auto-merge by kind', () => {
    expect(MergePolicy.parse({ kinds: { 'module.update': 'auto' } })).toEqual({ default: 'review', kinds: { 'module.update': 'auto' } });
    expect(MergePolicy.parse({ kinds: { 'tenant.delete': 'review' } }).kinds['tenant.delete']).toBe('review');
  });

  it('never auto-merges tenant.delete, and says how to fix it', () => {
    const r = FleetConfig.safeParse({ ...validFleet(), mergePolicy: { kinds: { 'tenant.delete': 'auto' } } });
    expect(r.error?.issues.map((i) => ({ path: i.path, message: i.message }))).toEqual([
      {
        path: ['mergePolicy', 'kinds', 'tenant.delete'],
        message: 'tenant.delete is never merged automatically: set it to review or leave it out',
      },
    ]);
  });

  it('refuses a kind of change that does not exist, and a mode other than auto/review', () => {
    const unknownKind = MergePolicy.safeParse({ kinds: { 'tenant.explode': 'auto' } });
    expect(unknownKind.error?.issues).toMatchObject([{ code: 'unrecognized_keys', keys: ['tenant.explode'], path: ['kinds'] }]);
    const badMode = MergePolicy.safeParse({ default: 'yolo' });
    expect(badMode.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual(['default: Invalid option: expected one of "auto"|"review"']);
  });
});
