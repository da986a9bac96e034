import { z } from 'zod';
import { Slug } from '../../fleet/schema/index.js';
import { MENU } from '../main-menu.js';
import { parsePayload } from './payload.js';
import type { DatabaseCredentials, Rendered, RenderedButton, Renderers, Translate } from './types.js';

/**
 * A deploy as the customer follows it (reconciler/reconcile.ts writes these): one message per
 * tenant, `topic: deploy:<tenant>`, edited as the steps are done — `deploy.progress` after each
 * step, then `deploy.running` or `deploy.failed`, which close the topic so the next deploy gets
 * a message of its own. `deploy.running` also carries the database credentials the first time
 * (the sender sends them once per tenant ever, as a second message).
 */

const Progress = z.object({
  tenant: Slug,
  step: z.number().int().min(1),
  of: z.number().int().min(1),
  /** An action kind (reconciler/actions.ts); one this code does not know reads as a generic step. */
  kind: z.string().min(1).max(64),
  /** The kind of the step that follows, null after the last; absent in messages written before it was sent. */
  next: z.string().min(1).max(64).nullable().optional(),
}).refine((p) => p.step <= p.of, { message: 'step is past of', path: ['step'] });
const Running = z.object({ tenant: Slug });
const Failed = z.object({ tenant: Slug, reason: z.string().min(1).max(200) });

/**
 * What the customer sees of a deploy, in order: payment received → … → running. The database
 * comes before the server because the reconciler makes it while a new droplet boots
 * (reconciler/actions.ts, PHASE).
 */
const STAGES = ['paid', 'merged', 'database', 'server', 'stack', 'health', 'running'] as const;
type Stage = (typeof STAGES)[number];

/**
 * How many stages are done once a step of this kind is, given the step that follows: progress is
 * written after each step (reconciler/apply.ts), in phase order. Ordering a droplet leaves the
 * database under way; after the database, the server is under way when host.wait follows (it is
 * booting) and done otherwise (a tenant on a running host); stack.deploy includes the health
 * gate (reconciler/steps/stacks.ts). Undefined for the steps of anything but a setup.
 */
function doneAfter(kind: string, next: string | null | undefined): number | undefined {
  switch (kind) {
    case 'droplet.create':
      return 2;
    case 'database.ensure':
    case 'database.migrate':
      return next === 'database.migrate' ? 2 : next === 'host.wait' ? 3 : 4;
    case 'host.wait':
      return 4;
    case 'stack.deploy':
      return 6;
    default:
      return undefined;
  }
}

/** Every key literal, so the locales test sees each one. */
function stageLabel(t: Translate, stage: Stage): string {
  switch (stage) {
    case 'paid':
      return t('notify-deploy-stage-paid');
    case 'merged':
      return t('notify-deploy-stage-merged');
    case 'server':
      return t('notify-deploy-stage-server');
    case 'database':
      return t('notify-deploy-stage-database');
    case 'stack':
      return t('notify-deploy-stage-stack');
    case 'health':
      return t('notify-deploy-stage-health');
    case 'running':
      return t('notify-deploy-stage-running');
  }
}

/** The stages as a checklist: done ✅, the one under way ⏳, the rest ▫️. */
export function checklist(t: Translate, done: number): string {
  return STAGES.map((stage, i) => `${i < done ? '✅' : i === done ? '⏳' : '▫️'} ${stageLabel(t, stage)}`).join('\n');
}

/** Steps that are not part of setting a bot up (a suspension stops it; a deletion removes it). */
function otherStep(t: Translate, kind: string, vars: Record<string, string>): string {
  switch (kind) {
    case 'stack.stop':
      return t('notify-deploy-step-stack-stop', vars);
    case 'database.dump':
      return t('notify-deploy-step-database-dump', vars);
    case 'stack.remove':
      return t('notify-deploy-step-stack-remove', vars);
    case 'database.drop':
      return t('notify-deploy-step-database-drop', vars);
    case 'droplet.delete':
      return t('notify-deploy-step-droplet-delete', vars);
    default:
      return t('notify-deploy-step-other', vars);
  }
}

const topic = (tenant: string) => `deploy:${tenant}`;
const myBots = (t: Translate): RenderedButton[] => [{ text: t('menu-my-bots'), data: MENU.myBots }];

/** Telegram usernames: 5-32 of a-z, 0-9 and `_`; anything else from the order is not shown. */
const USERNAME = /^[A-Za-z][A-Za-z0-9_]{4,31}$/;

export function credentialsText(t: Translate, tenant: string, c: DatabaseCredentials): string {
  // The port as a string: Fluent would format a number with grouping ("5,432").
  return t('notify-deploy-credentials', { tenant, host: c.host, port: String(c.port), database: c.database, user: c.user, password: c.password });
}

export const DEPLOY_RENDERERS: Renderers = {
  'deploy.progress': (payload, t): Rendered => {
    const p = parsePayload(Progress, 'deploy.progress', payload);
    const vars = { tenant: p.tenant, step: String(p.step), of: String(p.of) };
    const done = doneAfter(p.kind, p.next);
    const text = done === undefined ? otherStep(t, p.kind, vars) : `${t('notify-deploy-progress', vars)}\n\n${checklist(t, done)}`;
    return { text, topic: topic(p.tenant) };
  },

  'deploy.running': async (payload, t, extras): Promise<Rendered> => {
    const p = parsePayload(Running, 'deploy.running', payload);
    const found = (await extras.botUsername?.(p.tenant)) ?? null;
    const username = found !== null && USERNAME.test(found) ? found : null;
    const reach = username === null ? t('notify-deploy-running-open-unknown') : t('notify-deploy-running-open', { username });
    const text = `${t('notify-deploy-running', { tenant: p.tenant })}\n\n${checklist(t, STAGES.length)}\n\n${reach}\n${t('notify-deploy-running-admin')}`;
    const buttons = [...(username === null ? [] : [[{ text: t('notify-deploy-open-bot', { username }), url: `https://t.me/${username}` }]]), myBots(t)];
    const credentials = (await extras.databaseCredentials?.(p.tenant)) ?? null;
    return {
      text,
      buttons,
      topic: topic(p.tenant),
      closesTopic: true,
      ...(credentials === null ? {} : { credentials: { tenant: p.tenant, text: credentialsText(t, p.tenant, credentials) } }),
    };
  },

  'deploy.failed': (payload, t): Rendered => {
    const p = parsePayload(Failed, 'deploy.failed', payload);
    return { text: t('notify-deploy-failed', { tenant: p.tenant, reason: p.reason }), buttons: [myBots(t)], topic: topic(p.tenant), closesTopic: true };
  },
};
