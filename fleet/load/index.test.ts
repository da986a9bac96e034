import { describe, expect, it } from 'vitest';
import {
  DEDICATED_TENANT,
  type FleetManifests,
  fleetFiles,
  lineNumberOf,
  SHARED_HOST,
  SHARED_TENANT,
  snapshot,
  validFleetFiles,
  validFleetManifests,
} from '../../test/fleet-fixtures.js';
import { billingFile, catalogFile, hostFile, secretsFile, tenantFile } from '../paths.js';
import { formatIssue, loadFleet } from './index.js';

/** The loader's report as `FILE:LINE: FIELD: message` lines. */
function report(files: ReadonlyMap<string, string>, refused: [string, string][] = []): string[] {
  const result = loadFleet(snapshot(files, refused));
  if (result.ok) throw new Error('expected the fleet to be refused');
  return result.issues.map(formatIssue);
}

const tenantOf = (m: FleetManifests, slug: string) => {
  const t = m.tenants[slug];
  if (!t) throw new Error(`no tenant ${slug}`);
  return t;
};

const SHARED = tenantFile(SHARED_TENANT);

describe('loadFleet on a valid tree', () => {
  it('returns a typed Fleet with defaults filled in', () => {
    const result = loadFleet(snapshot(validFleetFiles()));
    if (!result.ok) throw new Error(result.issues.map(formatIssue).join('\n'));
    const { fleet } = result;
    expect(fleet.config.name).toBe('acme-fleet');
    expect(fleet.config.plans.pro?.maxModules).toBe(10);
    expect(fleet.config.rollout).toEqual({ soakMinutes: 30 });
    expect(fleet.hosts.get(SHARED_HOST)?.cordoned).toBe(false);

    const shared = fleet.tenants.get(SHARED_TENANT);
    expect(shared?.slug).toBe(SHARED_TENANT);
    expect(shared?.tenant.modules.welcome?.channel).toBe('notify');
    expect(shared?.billing.refunds).toEqual([]);
    expect(Object.keys(shared?.secrets?.values ?? {})).toEqual(['BOT_TOKEN']);

    const dedicated = fleet.tenants.get(DEDICATED_TENANT);
    expect(dedicated?.tenant.chats).toEqual([]);
    expect(dedicated?.tenant.modules.core).toEqual({ version: '1.0.0', channel: 'notify', config: {} });
  });

  it('iterates every map in name order, whatever the order of the files', () => {
    const m = validFleetManifests();
    m.hosts['aaa-host'] = { name: 'aaa-host', region: 'fra1', size: 's-2vcpu-4gb', capacity: 5 };
    const files = [...fleetFiles(m)].reverse();
    const result = loadFleet(snapshot(new Map(files)));
    if (!result.ok) throw new Error(result.issues.map(formatIssue).join('\n'));
    expect([...result.fleet.tenants.keys()]).toEqual([SHARED_TENANT, DEDICATED_TENANT]);
    expect([...result.fleet.hosts.keys()]).toEqual(['aaa-host', SHARED_HOST]);
    expect([...result.fleet.catalog.keys()]).toEqual(['core', 'welcome']);
  });

  it('a tenant without secrets.age has secrets null', () => {
    const files = validFleetFiles();
    files.delete(secretsFile(DEDICATED_TENANT));
    const result = loadFleet(snapshot(files));
    expect(result.ok && result.fleet.tenants.get(DEDICATED_TENANT)?.secrets).toBeNull();
  });

  it('ignores files outside fleet.yaml, tenants/, hosts/ and catalog/', () => {
    const files = validFleetFiles();
    files.set('README.md', '# fleet\n');
    files.set('.github/workflows/validate.yml', 'on: push\n');
    files.set('tenants/.gitkeep', '');
    expect(loadFleet(snapshot(files)).ok).toBe(true);
  });
});

describe('cross-file rules, each reported at the line to fix', () => {
  it('the tenant folder is the slug', () => {
    const m = validFleetManifests();
    tenantOf(m, SHARED_TENANT).tenant.slug = 'alpha-shop-2';
    const files = fleetFiles(m);
    expect(report(files)).toEqual([`${SHARED}:${lineNumberOf(files.get(SHARED), 'slug:')}: slug: must equal the folder name "${SHARED_TENANT}"`]);
  });

  it('a host and a catalog entry are named as their files', () => {
    const m = validFleetManifests();
    const host = m.hosts[SHARED_HOST];
    const core = m.catalog.core;
    if (!host || !core) throw new Error('fixture');
    host.name = 'shared-2';
    core.name = 'kernel';
    const files = fleetFiles(m);
    expect(report(files)).toEqual([
      `${catalogFile('core')}:1: name: must equal the file name "core"`,
      `${hostFile(SHARED_HOST)}:1: name: must equal the file name "${SHARED_HOST}"`,
    ]);
  });

  it('a shared tenant names an existing host', () => {
    const m = validFleetManifests();
    tenantOf(m, SHARED_TENANT).tenant.placement = { type: 'shared', host: 'shared-9' };
    const files = fleetFiles(m);
    const line = lineNumberOf(files.get(SHARED), 'host: shared-9');
    expect(report(files)).toEqual([`${SHARED}:${line}: placement.host: no host "shared-9": expected hosts/shared-9.yaml`]);
  });

  it('a host holds no more tenants than its capacity', () => {
    const m = validFleetManifests();
    const host = m.hosts[SHARED_HOST];
    if (!host) throw new Error('fixture');
    host.capacity = 1;
    const second = structuredClone(tenantOf(m, SHARED_TENANT));
    second.tenant.slug = 'charlie-cafe';
    m.tenants['charlie-cafe'] = second;
    const files = fleetFiles(m);
    const line = lineNumberOf(files.get(hostFile(SHARED_HOST)), 'capacity:');
    expect(report(files)).toEqual([`${hostFile(SHARED_HOST)}:${line}: capacity: 2 tenants are placed on this host, over its capacity of 1`]);
  });

  it('every module is in the catalog', () => {
    const m = validFleetManifests();
    tenantOf(m, DEDICATED_TENANT).tenant.modules.polls = { version: '1.0.0' };
    const files = fleetFiles(m);
    const file = tenantFile(DEDICATED_TENANT);
    expect(report(files)).toEqual([`${file}:${lineNumberOf(files.get(file), 'polls:')}: modules.polls: unknown module "polls": no catalog/polls.yaml`]);
  });

  it('every module is released at the pinned version', () => {
    const m = validFleetManifests();
    const core = tenantOf(m, DEDICATED_TENANT).tenant.modules.core;
    if (!core) throw new Error('fixture');
    core.version = '1.2.0';
    const files = fleetFiles(m);
    const file = tenantFile(DEDICATED_TENANT);
    const line = lineNumberOf(files.get(file), 'version: 1.2.0');
    expect(report(files)).toEqual([`${file}:${line}: modules.core.version: core@1.2.0 is not released (catalog has 1.0.0, 1.1.0)`]);
  });

  it('a module\'s requires range holds for the installed version', () => {
    const m = validFleetManifests();
    const core = tenantOf(m, SHARED_TENANT).tenant.modules.core;
    if (!core) throw new Error('fixture');
    core.version = '1.0.0'; // welcome 1.0.0 requires core ">=1.1 <2"
    const files = fleetFiles(m);
    const line = lineNumberOf(files.get(SHARED), 'welcome:');
    expect(report(files)).toEqual([`${SHARED}:${line}: modules.welcome: welcome@1.0.0 requires core >=1.1 <2, but core is 1.0.0`]);
  });

  it('a module\'s requires names an installed module', () => {
    const m = validFleetManifests();
    const welcome = m.catalog.welcome?.versions['1.0.0'];
    if (!welcome) throw new Error('fixture');
    welcome.requires = { core: '>=1.1 <2', polls: '^1' };
    const files = fleetFiles(m);
    const line = lineNumberOf(files.get(SHARED), 'welcome:');
    expect(report(files)).toEqual([`${SHARED}:${line}: modules.welcome: welcome@1.0.0 requires polls ^1, which is not installed`]);
  });

  it('the plan exists, and its maxModules holds', () => {
    const m = validFleetManifests();
    tenantOf(m, DEDICATED_TENANT).tenant.plan = 'gold';
    const basic = m.fleet.plans.basic;
    if (!basic) throw new Error('fixture');
    basic.maxModules = 1;
    const files = fleetFiles(m);
    const shared = files.get(SHARED);
    const dedicated = tenantFile(DEDICATED_TENANT);
    expect(report(files)).toEqual([
      `${SHARED}:${lineNumberOf(shared, 'modules:')}: modules: plan "basic" allows 1 modules, this tenant has 2`,
      `${dedicated}:${lineNumberOf(files.get(dedicated), 'plan: gold')}: plan: unknown plan "gold"; fleet.yaml has basic, pro`,
    ]);
  });

  it('every tenant has a billing.yaml, every tenant folder a tenant.yaml, every repo a fleet.yaml', () => {
    const files = validFleetFiles();
    files.delete(billingFile(SHARED_TENANT));
    files.delete('fleet.yaml');
    files.set(billingFile('zulu-one'), files.get(billingFile(DEDICATED_TENANT)) ?? '');
    expect(report(files)).toEqual([
      'fleet.yaml:1: (file): missing: every fleet repo has a fleet.yaml at its root',
      `${billingFile(SHARED_TENANT)}:1: (file): missing: every tenant has a billing.yaml`,
      'tenants/zulu-one/tenant.yaml:1: (file): missing: every tenant folder has a tenant.yaml',
    ]);
  });

  it('a broken file is reported once, not also as missing or as a broken reference', () => {
    const files = validFleetFiles();
    files.set(catalogFile('welcome'), 'name: welcome\nversions: {}\nextra: 1\n');
    files.set(hostFile(SHARED_HOST), 'name: shared-1\nregion: fra1\nsize: s-2vcpu-4gb\ncapacity: lots\n');
    files.set(billingFile(SHARED_TENANT), 'status: active\npaidThrough: [\n');
    const got = report(files);
    expect(got).toEqual([
      `${catalogFile('welcome')}:1: title: is required (object)`,
      `${catalogFile('welcome')}:3: extra: unknown field "extra"`,
      `${hostFile(SHARED_HOST)}:4: capacity: expected number, received string`,
      `${billingFile(SHARED_TENANT)}:3: (file): Flow sequence in block collection must be sufficiently indented and end with a ]`,
    ]);
  });
});

describe('a broken tree', () => {
  it('lists every problem of every file at once, sorted by file, then line', () => {
    const m = validFleetManifests();
    const shared = tenantOf(m, SHARED_TENANT);
    shared.tenant.plan = 'gold';
    shared.tenant.placement = { type: 'shared', host: 'nowhere' };
    const bravoBilling = tenantOf(m, DEDICATED_TENANT).billing;
    bravoBilling.paidThrough = '2030-01-01T00:00:00Z';
    const files = fleetFiles(m);
    files.set(hostFile(SHARED_HOST), 'name: shared-1\nregion: fra1\nsize: s-2vcpu-4gb\ncapacity: 20\nextra: 1\n');
    files.set('catalog/polls.yml', 'name: polls\n');
    files.set(catalogFile('welcome'), 'name: welcome\nname: again\n');

    const got = report(files);
    const billing = billingFile(DEDICATED_TENANT);
    expect(got).toEqual([
      'catalog/polls.yml:1: (file): unexpected file: expected catalog/<name>.yaml',
      `${catalogFile('welcome')}:2: name: duplicate key "name": a key may appear only once`,
      `${hostFile(SHARED_HOST)}:5: extra: unknown field "extra"`,
      `${SHARED}:${lineNumberOf(files.get(SHARED), 'plan: gold')}: plan: unknown plan "gold"; fleet.yaml has basic, pro`,
      `${SHARED}:${lineNumberOf(files.get(SHARED), 'host: nowhere')}: placement.host: no host "nowhere": expected hosts/nowhere.yaml`,
      `${billing}:${lineNumberOf(files.get(billing), 'paidThrough:')}: paidThrough: must be the latest end of the paid periods (2026-03-30T00:00:00Z)`,
    ]);
  });

  it('reports refused entries on managed paths, and ignores them elsewhere', () => {
    const refused: [string, string][] = [
      [secretsFile(SHARED_TENANT), 'symbolic links are not allowed in a fleet repo'],
      ['hosts/big.yaml', 'file is 300000 bytes; a manifest may be at most 262144'],
      ['README.md', 'symbolic links are not allowed in a fleet repo'],
      ['.github/workflows/ci.yml', 'symbolic links are not allowed in a fleet repo'],
      ['vendor/lib', 'a commit is not allowed in a fleet repo'],
    ];
    const files = validFleetFiles();
    files.delete(secretsFile(SHARED_TENANT));
    expect(report(files, refused)).toEqual([
      'hosts/big.yaml:1: (file): refused: file is 300000 bytes; a manifest may be at most 262144',
      `${secretsFile(SHARED_TENANT)}:1: (file): refused: symbolic links are not allowed in a fleet repo`,
    ]);
  });

  it('a refused fleet.yaml or tenant.yaml is not also reported missing', () => {
    const files = validFleetFiles();
    files.delete('fleet.yaml');
    files.delete(SHARED);
    expect(report(files, [['fleet.yaml', 'symbolic links are not allowed in a fleet repo'], [SHARED, 'symbolic links are not allowed in a fleet repo']])).toEqual([
      'fleet.yaml:1: (file): refused: symbolic links are not allowed in a fleet repo',
      `${SHARED}:1: (file): refused: symbolic links are not allowed in a fleet repo`,
    ]);
  });
});
