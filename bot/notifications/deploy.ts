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
}).refine((p) => p.step <= p.of, { message: 'step is past of', path: ['step'] });
const Running = z.object({ tenant: Slug });
const Failed = z.object({ tenant: Slug, reason: z.string().min(1).max(200) });

/** What the customer sees of a deploy, in order: payment received → … → running. */
const STAGES = ['paid', 'merged', 'server', 'database', 'stack', 'health', 'running'] as const;
type Stage = (typeof STAGES)[number];

/**
 * How many stages are done once a step of this kind is: progress is written after each step
 * (reconciler/apply.ts), in phase order. A droplet that exists still has to boot (host.wait
 * follows), and stack.deploy includes the health gate (reconciler/steps/stacks.ts). A tenant on a
 * shared host has no server steps: its database step done means the server was there already.
 */
const DONE_AFTER: Readonly<Record<string, number>> = {
  'droplet.create': 2,
  'host.wait': 3,
  'database.ensure': 4,
  'database.migrate': 4,
  'stack.deploy': 6,
};

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
    const done = DONE_AFTER[p.kind];
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
