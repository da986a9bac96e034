import type { Fleet, FleetSnapshot, TenantRecord } from '../model.js';
import { classifyPath, FLEET_FILE, type ManifestPath, type PathClass } from '../paths.js';
import type {
  FleetConfig,
  BillingManifest as Billing,
  CatalogEntry as Catalog,
  HostManifest as Host,
  SealedSecrets as Secrets,
  TenantManifest as Tenant,
} from '../schema/index.js';
import { MANIFEST_SCHEMAS } from './manifest.js';
import { crossFileIssues } from './rules.js';
import { type FleetIssue, sortIssues, WHOLE_FILE } from './errors.js';
import { findPlaintextSecrets } from './secret-scan.js';
import { type ParsedYaml, parseManifestYaml } from './yaml.js';
import { zodIssues } from './zod-issues.js';

export type LoadResult = { ok: true; fleet: Fleet } | { ok: false; issues: FleetIssue[] };

/** A parsed manifest and where it came from, for the cross-file rules to point at. */
export interface Located<T> {
  readonly file: string;
  readonly value: T;
  readonly lineOf: ParsedYaml['lineOf'];
}

/** What each file parsed into, by kind; the input of the cross-file rules. */
export interface ParsedTree {
  fleet: Located<FleetConfig> | null;
  tenants: Map<string, Located<Tenant>>;
  billing: Map<string, Located<Billing>>;
  secrets: Map<string, Located<Secrets>>;
  hosts: Map<string, Located<Host>>;
  catalog: Map<string, Located<Catalog>>;
  /** Tenant folders seen, whether or not their files parsed. */
  tenantDirs: Set<string>;
  /** Every manifest path present, whether or not it parsed: a broken file is not also "missing". */
  present: ReadonlySet<string>;
}

/**
 * Loads and validates a whole fleet tree. Either every file is valid and every cross-file rule
 * holds, and a typed `Fleet` comes back, or the complete list of problems does: a person fixes
 * them all in one go, not one per run.
 */
export function loadFleet({ files, refused }: FleetSnapshot): LoadResult {
  return assembleFleet(files.keys(), refused, (file, where) => validateFile(file, files.get(file) ?? '', where));
}

/** One manifest file checked on its own: parsed, scanned for secrets, validated by its schema. */
export type ValidatedFile = { ok: true; located: Located<unknown> } | { ok: false; issues: FleetIssue[] };

/**
 * The whole-tree part of loading: every path classified, each manifest validated by `validate`
 * (from its text, or from a cache of earlier passes), then the cross-file rules.
 */
export function assembleFleet(
  paths: Iterable<string>,
  refused: ReadonlyMap<string, string>,
  validate: (file: string, where: ManifestPath) => ValidatedFile,
  classify: (path: string) => PathClass = classifyPath,
): LoadResult {
  const all = [...paths];
  const issues: FleetIssue[] = [];
  const present = new Set(all);
  for (const file of refused.keys()) present.add(file);
  const tree: ParsedTree = {
    fleet: null,
    tenants: new Map(),
    billing: new Map(),
    secrets: new Map(),
    hosts: new Map(),
    catalog: new Map(),
    tenantDirs: new Set(),
    present,
  };
  for (const [file, reason] of refused) {
    if (classify(file).kind !== 'ignored') issues.push({ file, line: 1, field: WHOLE_FILE, message: `refused: ${reason}` });
  }
  for (const file of all) {
    const where = classify(file);
    if (where.kind === 'ignored') continue;
    if (where.kind === 'unexpected') {
      issues.push({ file, line: 1, field: WHOLE_FILE, message: `unexpected file: ${where.reason}` });
      continue;
    }
    if ('slug' in where) tree.tenantDirs.add(where.slug);
    const checked = validate(file, where);
    if (checked.ok) store(tree, where, checked.located);
    else issues.push(...checked.issues);
  }
  if (!tree.present.has(FLEET_FILE)) {
    issues.push({ file: FLEET_FILE, line: 1, field: WHOLE_FILE, message: 'missing: every fleet repo has a fleet.yaml at its root' });
  }
  issues.push(...crossFileIssues(tree));
  if (issues.length > 0 || tree.fleet === null) return { ok: false, issues: sortIssues(issues) };
  return { ok: true, fleet: toFleet(tree, tree.fleet.value) };
}

export function validateFile(file: string, text: string, where: ManifestPath): ValidatedFile {
  const result = parseManifestYaml(file, text);
  if (!result.ok) return result;
  const { parsed } = result;
  if (where.kind !== 'secrets') {
    const leaks = findPlaintextSecrets(file, parsed);
    if (leaks.length > 0) return { ok: false, issues: leaks };
  }
  const schema = MANIFEST_SCHEMAS[where.kind];
  const checked = schema.safeParse(parsed.value);
  if (!checked.success) return { ok: false, issues: zodIssues(file, parsed, checked.error) };
  return { ok: true, located: { file, value: checked.data, lineOf: parsed.lineOf } };
}

function store(tree: ParsedTree, where: ManifestPath, located: Located<unknown>): void {
  switch (where.kind) {
    case 'fleet':
      tree.fleet = located as Located<FleetConfig>;
      return;
    case 'tenant':
      tree.tenants.set(where.slug, located as Located<Tenant>);
      return;
    case 'billing':
      tree.billing.set(where.slug, located as Located<Billing>);
      return;
    case 'secrets':
      tree.secrets.set(where.slug, located as Located<Secrets>);
      return;
    case 'host':
      tree.hosts.set(where.name, located as Located<Host>);
      return;
    case 'catalog':
      tree.catalog.set(where.module, located as Located<Catalog>);
      return;
  }
}

const sortedMap = <T>(entries: Iterable<[string, T]>): Map<string, T> =>
  new Map([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

function toFleet(tree: ParsedTree, config: FleetConfig): Fleet {
  const tenants = sortedMap<TenantRecord>(
    [...tree.tenants].map(([slug, t]) => {
      const billing = tree.billing.get(slug);
      if (!billing) throw new Error(`internal: tenant ${slug} passed validation without billing.yaml`);
      return [slug, { slug, tenant: t.value, billing: billing.value, secrets: tree.secrets.get(slug)?.value ?? null }];
    }),
  );
  return {
    config,
    tenants,
    hosts: sortedMap([...tree.hosts].map(([k, v]) => [k, v.value])),
    catalog: sortedMap([...tree.catalog].map(([k, v]) => [k, v.value])),
  };
}

export { formatIssue, type FleetIssue } from './errors.js';
