import { fleetJsonSchemas, SCHEMA_TARGETS } from '../../fleet/schema/json-schema.js';

/**
 * The working tree `buckfleet init` writes, as path → content: a valid fleet with no tenants
 * yet, the editor and CI wiring around it. Pure, so a test can check it loads.
 */
export function initFiles(name: string, version: string): Map<string, string> {
  const files = new Map<string, string>([
    ['fleet.yaml', fleetYaml(name)],
    ['README.md', readme(name)],
    ['.github/workflows/plan.yml', planWorkflow(version)],
    ['.vscode/settings.json', `${JSON.stringify(vscodeSettings(), null, 2)}\n`],
    ['tenants/.gitkeep', ''],
    ['hosts/.gitkeep', ''],
    ['catalog/.gitkeep', ''],
  ]);
  for (const [file, schema] of Object.entries(fleetJsonSchemas())) files.set(`schema/${file}`, `${JSON.stringify(schema, null, 2)}\n`);
  return files;
}

/** `name` is a validated slug, so it is safe in YAML unquoted. */
const fleetYaml = (name: string) => `# Fleet-wide settings. Schema: schema/fleet.schema.json; check with \`buckfleet validate\`.
name: ${name}

plans:
  basic:
    title: Basic
    # Minor units (cents): 900 is 9.00 USD a month.
    price:
      amount: 900
      currency: usd
    interval: month
    # shared: packed onto a host from hosts/; dedicated: a droplet of its own.
    placement: shared

# Which changes merge by themselves and which wait for an admin's review.
# tenant.delete is never automatic.
mergePolicy:
  default: review
  kinds:
    tenant.create: auto
    billing.record: auto
    module.install: auto
    tenant.suspend: auto
    tenant.resume: auto

# Defaults apply to everything left out here; see schema/fleet.schema.json, e.g.:
# defaults:
#   region: fra1
#   size: s-1vcpu-1gb
# billing:
#   graceDays: 3
# admins: [123456789]
`;

const readme = (name: string) => `# Fleet \`${name}\`

This repository is the desired state of a buckfleet fleet: hosted
Telegram multi-bots, one tenant per customer. Every change (a purchase, a module install, an
update, a renewal, a suspension) is a commit here, normally a pull request. The buckfleet
reconciler makes the real world (droplets, compose stacks, databases) match \`main\`.

## Layout

| path | holds |
|---|---|
| \`fleet.yaml\` | fleet-wide settings: defaults (region, size), plans and prices, billing rules, merge policy |
| \`tenants/<slug>/tenant.yaml\` | a tenant: owner, plan, placement, modules with pinned versions, chats |
| \`tenants/<slug>/billing.yaml\` | its billing state: status, paid-through date, Stripe ids, paid periods |
| \`tenants/<slug>/secrets.age\` | its secrets, each value encrypted with age to the reconciler's key |
| \`hosts/<name>.yaml\` | a shared host that several tenants are packed onto |
| \`catalog/<module>.yaml\` | the released versions of a module, which tenants may pin |
| \`schema/\` | JSON Schemas of those files, for editor completion (\`buckfleet schema\` rewrites them) |

Plaintext secrets never belong here: \`buckfleet validate\` refuses tokens and keys found
outside \`secrets.age\`, and only the reconciler can decrypt that file.

## How changes flow

1. The bot, billing and the module updater open a pull request per change; people may too.
2. \`.github/workflows/plan.yml\` runs \`buckfleet validate\` on the pull request.
3. Changes whose kind is \`auto\` in \`fleet.yaml\`'s \`mergePolicy\` are merged automatically;
   the rest wait for an admin.
4. On \`main\`, the reconciler applies the change, and tells the customer how it went.

Check a change locally with \`npx buckfleet validate .\`.
`;

/**
 * Validates every pull request. The apply side (reconcile on merge) is not here yet, since
 * `buckfleet reconcile` does not exist yet.
 */
const planWorkflow = (version: string) => `# Checks every pull request against the fleet's schemas and rules.
# The plan comment (what the reconciler would change) arrives with the reconciler.
name: plan

on:
  pull_request:

permissions:
  contents: read

jobs:
  validate:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20
      - name: Validate the fleet
        run: npx --yes buckfleet@${version} validate .
`;

/** For the Red Hat YAML extension: `/` means the workspace root. */
function vscodeSettings() {
  return {
    'yaml.schemas': Object.fromEntries(Object.entries(SCHEMA_TARGETS).map(([file, globs]) => [`./schema/${file}`, globs.map((g) => `/${g}`)])),
    // secrets.age is YAML whose values are age-armored; without this it gets no schema.
    'files.associations': { '**/tenants/*/secrets.age': 'yaml' },
  };
}
