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
    ['.github/workflows/apply.yml', applyWorkflow(version)],
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
2. \`.github/workflows/plan.yml\` runs \`buckfleet validate\` on the pull request, then
   \`buckfleet plan\`: what merging it would change in the world, as one PR comment (edited on
   every push) and a \`buckfleet/plan\` commit status.
3. Changes whose kind is \`auto\` in \`fleet.yaml\`'s \`mergePolicy\` are merged automatically;
   the rest wait for an admin.
4. On \`main\`, \`.github/workflows/apply.yml\` runs \`buckfleet reconcile --once\` (one at a
   time), and the reconciler tells the customer how it went.

## Secrets of the workflows

Set these under Settings > Secrets and variables > Actions. The workflows read this repository
with their own \`GITHUB_TOKEN\`.

| secret | used by | holds |
|---|---|---|
| \`DATABASE_URL\` | plan, apply | the control database (journal, pinned host keys) |
| \`TENANT_DATABASE_URL\` | plan, apply | admin connection of the tenant database server (empty: \`DATABASE_URL\`) |
| \`DIGITALOCEAN_TOKEN\` | plan, apply | DigitalOcean API token |
| \`SSH_PRIVATE_KEY\` | plan, apply | the reconciler's SSH key onto hosts |
| \`AGE_IDENTITY\` | apply | the reconciler's age identity, which decrypts \`secrets.age\` |

Whoever can push a branch here can change a workflow and so reach these secrets: give write
access only to admins and to buckfleet's own token.

Check a change locally with \`npx buckfleet validate .\`.
`;

/**
 * The pieces both fleet workflows share. buckfleet itself is installed at the version that
 * wrote the repo, so a fleet is checked and applied by the code it was written for; bump it
 * in both files together.
 */
const setup = (version: string) => `    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20
      - name: Install buckfleet
        run: npm install --global --no-audit --no-fund buckfleet@${version}`;

/**
 * The secrets checked, then key files from secrets: buckfleet reads keys from files (SSH_PRIVATE_KEY_FILE,
 * AGE_IDENTITY_FILE), never from variables, so each secret is written under RUNNER_TEMP, owner
 * read-only, and its path exported for the later steps. A missing secret stops here, named,
 * rather than as a connection failure later. `runner.temp` is not available in job-level env,
 * hence $GITHUB_ENV.
 */
const keysStep = (keys: readonly { secret: string; variable: string; file: string }[]) => `      - name: Check the secrets and write the keys
        env:
${keys.map((k) => `          ${k.secret}: \${{ secrets.${k.secret} }}`).join('\n')}
        run: |
          umask 077
          keys="$RUNNER_TEMP/buckfleet-keys"
          mkdir -p "$keys"
          # Unset, these would fall back to local mode: an empty embedded database, no cloud.
          : "\${DATABASE_URL:?the DATABASE_URL secret is not set (Settings > Secrets and variables > Actions)}"
          : "\${DIGITALOCEAN_TOKEN:?the DIGITALOCEAN_TOKEN secret is not set (Settings > Secrets and variables > Actions)}"
${keys
  .map(
    (k) => `          : "\${${k.secret}:?the ${k.secret} secret is not set (Settings > Secrets and variables > Actions)}"
          printf '%s\\n' "$${k.secret}" > "$keys/${k.file}"
          echo "${k.variable}=$keys/${k.file}" >> "$GITHUB_ENV"`,
  )
  .join('\n')}
          echo "BUCKFLEET_HOME=$RUNNER_TEMP/buckfleet" >> "$GITHUB_ENV"`;

const SSH_KEY = { secret: 'SSH_PRIVATE_KEY', variable: 'SSH_PRIVATE_KEY_FILE', file: 'ssh_ed25519' };
const AGE_KEY = { secret: 'AGE_IDENTITY', variable: 'AGE_IDENTITY_FILE', file: 'age-identity.txt' };

/**
 * What reading the world takes: the control database (journal, pinned host keys), the tenant
 * database server, DigitalOcean, and this repository read through the workflow's own token.
 */
const worldEnv = `      FLEET_REPO: \${{ github.repository }}
      GITHUB_TOKEN: \${{ github.token }}
      DATABASE_URL: \${{ secrets.DATABASE_URL }}
      TENANT_DATABASE_URL: \${{ secrets.TENANT_DATABASE_URL }}
      DIGITALOCEAN_TOKEN: \${{ secrets.DIGITALOCEAN_TOKEN }}`;

/**
 * The comment and status of plan.yml. The marker is the one `ensureComment(pr, 'plan', …)` of
 * fleet/repo/github uses, so the reconciler and this workflow edit the same one comment.
 * Kept in its own constant so the workflow test can run exactly this script against a fake
 * GitHub.
 */
export const PLAN_COMMENT_SCRIPT = `const fs = require('fs');
const marker = '<!-- buckfleet:plan -->';
const read = (path) => (path && fs.existsSync(path) ? fs.readFileSync(path, 'utf8').trim() : '');
const run = \`\${process.env.GITHUB_SERVER_URL}/\${process.env.GITHUB_REPOSITORY}/actions/runs/\${process.env.GITHUB_RUN_ID}\`;
let text;
let state;
let description;
if (process.env.VALIDATE_OUTCOME !== 'success') {
  text = ['### buckfleet plan', '', '**The fleet does not validate.** \`buckfleet validate\` says:', '', '\`\`\`', read(process.env.VALIDATE_LOG), '\`\`\`'].join('\\n');
  state = 'failure';
  description = 'the fleet does not validate';
} else if (process.env.PLAN_OUTCOME !== 'success') {
  text = ['### buckfleet plan', '', '**The plan failed**: see the workflow run for why.'].join('\\n');
  state = 'error';
  description = 'buckfleet plan failed';
} else {
  text = read(process.env.PLAN_FILE);
  state = 'success';
  const counts = /\\*\\*(\\d+ to create, \\d+ to change, \\d+ to remove)\\*\\*/.exec(text);
  description = counts ? counts[1] : 'no changes';
}
const body = \`\${marker}\\n\${text}\\n\\n<sub>[workflow run](\${run})</sub>\\n\`;
const { owner, repo } = context.repo;
const issue_number = context.issue.number;
const comments = await github.paginate(github.rest.issues.listComments, { owner, repo, issue_number, per_page: 100 });
const mine = comments.find((c) => (c.body || '').includes(marker));
if (mine) await github.rest.issues.updateComment({ owner, repo, comment_id: mine.id, body });
else await github.rest.issues.createComment({ owner, repo, issue_number, body });
await github.rest.repos.createCommitStatus({ owner, repo, sha: context.payload.pull_request.head.sha, state, context: 'buckfleet/plan', description, target_url: run });
`;

const indent = (text: string, spaces: number) =>
  text
    .trimEnd()
    .split('\n')
    .map((line) => (line === '' ? '' : `${' '.repeat(spaces)}${line}`))
    .join('\n');

/**
 * Every pull request: validate, then plan the checkout (the PR merged into main, which is what
 * actions/checkout gives a pull_request run) against the real world, and say so in one PR
 * comment and a `buckfleet/plan` commit status.
 */
const planWorkflow = (version: string) => `# Checks every pull request: \`buckfleet validate\`, then \`buckfleet plan\` of the PR merged into
# main against the real world (read-only), posted as one PR comment edited on every push, and a
# buckfleet/plan commit status. Secrets: DATABASE_URL, TENANT_DATABASE_URL, DIGITALOCEAN_TOKEN,
# SSH_PRIVATE_KEY (see README.md). Pull requests from forks get no secrets: fleet changes come
# from branches of this repository.
name: plan

on:
  pull_request:
    branches: [main]

permissions:
  contents: read
  pull-requests: write
  statuses: write

concurrency:
  group: plan-\${{ github.event.pull_request.number }}
  cancel-in-progress: true

# Named \`bash\`, run steps get -o pipefail (unnamed, they run under plain \`bash -e\`), which the
# validate step's pipe into tee needs to fail.
defaults:
  run:
    shell: bash

jobs:
  plan:
    runs-on: ubuntu-latest
    timeout-minutes: 15
    env:
${worldEnv}
${setup(version)}
      - name: Validate the fleet
        id: validate
        run: buckfleet validate . 2>&1 | tee "$RUNNER_TEMP/validate.log"
${keysStep([SSH_KEY])}
      - name: Plan
        id: plan
        if: steps.validate.outcome == 'success'
        run: |
          buckfleet plan --markdown --dir . > "$RUNNER_TEMP/plan.md"
          cat "$RUNNER_TEMP/plan.md" >> "$GITHUB_STEP_SUMMARY"
      - name: Comment and status
        if: \${{ !cancelled() && steps.validate.outcome != 'skipped' }}
        uses: actions/github-script@v7
        env:
          VALIDATE_OUTCOME: \${{ steps.validate.outcome }}
          PLAN_OUTCOME: \${{ steps.plan.outcome }}
          VALIDATE_LOG: \${{ runner.temp }}/validate.log
          PLAN_FILE: \${{ runner.temp }}/plan.md
        with:
          script: |
${indent(PLAN_COMMENT_SCRIPT, 12)}
`;

/**
 * On every push to main: one reconcile pass. Applies never overlap (one concurrency group,
 * never cancelled: a pass cut short would leave work half done until the next one); a queued
 * run is replaced by a newer one, which is fine since every pass applies the newest main.
 */
const applyWorkflow = (version: string) => `# Applies main to the world on every push to main: one \`buckfleet reconcile --once\` pass (the
# reconciler service, when it runs, does the same on its own; they share the work through the
# control database). Secrets: DATABASE_URL, TENANT_DATABASE_URL, DIGITALOCEAN_TOKEN,
# SSH_PRIVATE_KEY, AGE_IDENTITY (see README.md).
name: apply

on:
  push:
    branches: [main]
  workflow_dispatch:

permissions:
  contents: read

concurrency:
  group: apply
  cancel-in-progress: false

defaults:
  run:
    shell: bash

jobs:
  apply:
    runs-on: ubuntu-latest
    timeout-minutes: 60
    env:
${worldEnv}
${setup(version)}
      - name: Validate the fleet
        run: buckfleet validate .
${keysStep([SSH_KEY, AGE_KEY])}
      - name: Reconcile
        run: buckfleet reconcile --once
`;

/** For the Red Hat YAML extension: `/` means the workspace root. */
function vscodeSettings() {
  return {
    'yaml.schemas': Object.fromEntries(Object.entries(SCHEMA_TARGETS).map(([file, globs]) => [`./schema/${file}`, globs.map((g) => `/${g}`)])),
    // secrets.age is YAML whose values are age-armored; without this it gets no schema.
    'files.associations': { '**/tenants/*/secrets.age': 'yaml' },
  };
}
