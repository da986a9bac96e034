import type { StepSpan } from './purchase-journal.js';

/**
 * One purchase's timeline, cut into the phases of the deploy benchmark. Edge times are taken by
 * the benchmark (webhook sent and answered, main moved, /start answered), step times come from
 * the reconciler's journal, and the container's start from its dockerd (compose up → healthy).
 */
export interface DeployTimes {
  readonly sentAt: number;
  readonly respondedAt: number;
  readonly committedAt: number;
  readonly plannedAt: number;
  readonly steps: readonly StepSpan[];
  /** `.State.StartedAt` of the core container. */
  readonly containerStartedAt: number;
  readonly answeredAt: number;
}

export interface DeployPhases {
  /** POST /webhooks/stripe until its 200. */
  readonly webhook: number;
  /** 200 until main holds the tenant (the inbox: fleet read, change, commit). */
  readonly commit: number;
  /** main moved until the tenant's operation is opened: push webhook, the pass's load, observe, plan. */
  readonly plan: number;
  /** droplet.create: the DigitalOcean API call (dedicated only). */
  readonly droplet: number;
  /**
   * The droplet boots and answers SSH (dedicated only): from droplet.create's end to host.wait's
   * end when host.wait had to wait (the database steps run in between, while it boots); host.wait
   * alone when the host was up at its first look.
   */
  readonly boot: number;
  /** database.ensure + database.migrate, when they did not run while a droplet booted. */
  readonly database: number;
  /** stack.deploy's start until the container started: the compose file over SSH, compose up. */
  readonly composeUp: number;
  /** The container started until the health gate passed (the end of stack.deploy). */
  readonly healthy: number;
  /** The stack is healthy until the bot answered /start through the emulator. */
  readonly answer: number;
  /** What no phase above covers: between steps and passes. */
  readonly gaps: number;
  readonly total: number;
  /** total − compose up − health wait − droplet boot: the control plane's own share. */
  readonly overhead: number;
}

const duration = (steps: readonly StepSpan[], kinds: readonly string[]) =>
  steps.filter((s) => kinds.includes(s.kind) && s.status === 'done' && s.finishedAt !== null).reduce((sum, s) => sum + ((s.finishedAt ?? s.startedAt) - s.startedAt), 0);

/**
 * host.wait lasting longer than this had at least one look fail (a look is one SSH command, a
 * fraction of a second, and a failed one is followed by a pause): the host was still booting when
 * the steps before it were done, so they ran inside the boot and cost the purchase nothing.
 */
export const HOST_WAITED_MS = 1_000;

export function deployPhases(t: DeployTimes): DeployPhases {
  const deploy = t.steps.find((s) => s.kind === 'stack.deploy' && s.status === 'done');
  if (deploy?.finishedAt == null) throw new Error('no finished stack.deploy step in the journal');
  const done = (kind: string) => t.steps.find((s) => s.kind === kind && s.status === 'done' && s.finishedAt !== null);
  const create = done('droplet.create');
  const wait = done('host.wait');
  const hostWait = duration(t.steps, ['host.wait']);
  const withinBoot = create?.finishedAt != null && wait?.finishedAt != null && hostWait > HOST_WAITED_MS;
  const inBoot = (s: StepSpan) => withinBoot && s.startedAt >= (create.finishedAt ?? 0) && (s.finishedAt ?? Infinity) <= wait.startedAt;
  const database = duration(t.steps.filter((s) => !inBoot(s)), ['database.ensure', 'database.migrate']);
  const known = {
    webhook: t.respondedAt - t.sentAt,
    commit: t.committedAt - t.respondedAt,
    plan: t.plannedAt - t.committedAt,
    droplet: duration(t.steps, ['droplet.create']),
    boot: withinBoot ? (wait.finishedAt ?? 0) - (create.finishedAt ?? 0) : hostWait,
    database,
    composeUp: t.containerStartedAt - deploy.startedAt,
    healthy: deploy.finishedAt - t.containerStartedAt,
    answer: t.answeredAt - deploy.finishedAt,
  };
  const total = t.answeredAt - t.sentAt;
  const covered = Object.values(known).reduce((a, b) => a + b, 0);
  return { ...known, gaps: total - covered, total, overhead: total - known.composeUp - known.healthy - known.boot };
}

/** Docker's RFC 3339 time with nanoseconds, to epoch ms. */
export function dockerTime(text: string): number {
  const ms = Date.parse(text.trim().replace(/(\.\d{3})\d*/, '$1'));
  if (Number.isNaN(ms)) throw new Error(`not a docker time: ${text}`);
  return ms;
}
