import { isDeepStrictEqual } from 'node:util';
import { manifestValue } from '../load/manifest.js';
import type { FileEdit } from '../repo/types.js';
import { buildBillingRecord } from './billing-record.js';
import type { Builder, ChangeContext, Draft, DraftContext } from './context.js';
import { actorRef, branchFor, changeMarker, changeSubject, describeActor } from './describe.js';
import { buildModuleRelease } from './module-release.js';
import { buildModuleInstall, buildModuleRemove, buildModuleUpdate } from './modules.js';
import type { ChangeOf, ChangeRequest } from './request.js';
import { buildTenantCreate } from './tenant-create.js';
import { buildTenantImport } from './tenant-import.js';
import { buildTenantDelete, buildTenantResume, buildTenantSuspend, buildTenantUpdate } from './tenant-lifecycle.js';
import type { ChangePlan } from './types.js';

type Registry = { [K in ChangeRequest['kind']]: Builder<K> };

/** One builder per change kind: the registry is the list of what the fleet can be asked to do. */
const BUILDERS: Registry = {
  'tenant.create': buildTenantCreate,
  'tenant.import': buildTenantImport,
  'tenant.update': buildTenantUpdate,
  'tenant.suspend': buildTenantSuspend,
  'tenant.resume': buildTenantResume,
  'tenant.delete': buildTenantDelete,
  'module.install': buildModuleInstall,
  'module.remove': buildModuleRemove,
  'module.update': buildModuleUpdate,
  'module.release': buildModuleRelease,
  'billing.record': buildBillingRecord,
};

function draft<K extends ChangeRequest['kind']>(ctx: DraftContext, cr: ChangeOf<K>): Draft {
  return (BUILDERS[cr.kind] as Builder<K>)(ctx, cr);
}

/**
 * Turns a change request into file edits, a conventional commit message and a PR a person can
 * review. Pure: the same fleet, request and time give the same plan. Edits that would not change
 * a file are dropped, so a request already applied plans to no edits at all.
 */
export function buildChange(ctx: ChangeContext, cr: ChangeRequest): ChangePlan {
  const d = draft(ctx, cr);
  const edits = d.edits.filter((e) => changesFile(ctx, e));
  const scope = changeSubject(cr);
  const trailers = [`Change-Id: ${cr.id}`, `Requested-By: ${actorRef(cr.requestedBy)}`];
  const message = `${d.commitType}(${scope})${d.breaking ? '!' : ''}: ${lowerFirst(d.title)}\n\n${d.details.join('\n')}\n\n${trailers.join('\n')}\n`;
  const notes =
    cr.kind === 'module.update' ? ctx.fleet.catalog.get(cr.module)?.versions[cr.version]?.notes : cr.kind === 'module.release' ? cr.release.notes : undefined;
  const body = [
    `**${cr.kind}** requested by ${describeActor(cr.requestedBy)}.`,
    ...(cr.reason ? ['', `> ${cr.reason.replace(/\n/g, ' ')}`] : []),
    '',
    ...d.details.map((line) => `- ${line}`),
    '',
    `Files: ${edits.map((e) => `\`${e.path}\`${e.content === null ? ' (removed)' : ''}`).join(', ') || 'none (already applied)'}`,
    ...(notes ? ['', '### Release notes', '', notes] : []),
    '',
    changeMarker(cr),
  ].join('\n');
  return { edits, message, title: d.title, body, labels: [cr.kind], branch: branchFor(cr) };
}

/**
 * The files `buildChange` would edit for this request, before it compares them with their
 * current texts: those are all of the fleet's files it needs. Pure, as the build itself.
 */
export function editedPaths(ctx: DraftContext, cr: ChangeRequest): string[] {
  return draft(ctx, cr).edits.map((e) => e.path);
}

/** An edit changes a file unless both texts mean the same manifest (a hand-formatted file stays as it is). */
function changesFile(ctx: ChangeContext, edit: FileEdit): boolean {
  const current = ctx.files.get(edit.path);
  if (edit.content === null || current === undefined) return edit.content !== null || current !== undefined;
  if (current === edit.content) return false;
  const before = manifestValue(edit.path, current);
  return before === null || !isDeepStrictEqual(before, manifestValue(edit.path, edit.content));
}

const lowerFirst = (s: string) => `${s[0]?.toLowerCase() ?? ''}${s.slice(1)}`;

export { ChangeRequest, type ChangeRequestInput, type ChangeOf, Actor } from './request.js';
export { ChangeRejectedError, type ChangePlan } from './types.js';
export type { ChangeContext, DraftContext } from './context.js';
