import type { Action } from '../actions.js';
import type { StepContext } from '../context.js';
import { databaseDrop, databaseDump, databaseEnsure, databaseMigrate } from './databases.js';
import { dropletCreate, dropletDelete, hostWait } from './hosts.js';
import { stackDeploy, stackRemove, stackStop } from './stacks.js';

type Step<K extends Action['kind']> = (ctx: StepContext, action: Extract<Action, { kind: K }>) => Promise<Record<string, unknown>>;

/** One step per action kind: the registry is the list of what the reconciler can do. */
export const STEPS: { readonly [K in Action['kind']]: Step<K> } = {
  'droplet.create': dropletCreate,
  'host.wait': hostWait,
  'database.ensure': databaseEnsure,
  'database.migrate': databaseMigrate,
  'stack.deploy': stackDeploy,
  'stack.stop': stackStop,
  'database.dump': databaseDump,
  'stack.remove': stackRemove,
  'database.drop': databaseDrop,
  'droplet.delete': dropletDelete,
};

export function runStep<K extends Action['kind']>(ctx: StepContext, action: Extract<Action, { kind: K }>): Promise<Record<string, unknown>> {
  return (STEPS[action.kind] as Step<K>)(ctx, action);
}
