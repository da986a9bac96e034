import { z } from 'zod';
import { SPEC_LABEL, type ObservedService, type ObservedStack, type ServiceHealth, type ServiceState } from '../../ports.js';

/**
 * Reads `docker inspect` output (see `listContainersCommand`) into compose stacks. Only the fields
 * buckfleet uses are checked; anything else docker adds is ignored, so a newer docker still reads.
 */
const STATES = ['running', 'exited', 'created', 'restarting', 'paused', 'dead', 'removing'] as const satisfies readonly ServiceState[];
const HEALTH = ['healthy', 'unhealthy', 'starting', 'none'] as const satisfies readonly ServiceHealth[];

const Container = z.object({
  Id: z.string().min(1),
  Config: z.object({
    Image: z.string(),
    // docker writes `null` for a container without labels.
    Labels: z.record(z.string(), z.string()).nullable(),
  }),
  State: z.object({
    Status: z.enum(STATES),
    // Absent when the container has no healthcheck; `none` when its image's was switched off.
    Health: z.object({ Status: z.enum(HEALTH) }).optional(),
  }),
});
const Inspect = z.array(Container);

const PROJECT = 'com.docker.compose.project';
const SERVICE = 'com.docker.compose.service';
/** `docker-compose run` containers: one-off commands, not part of the running stack. */
const ONEOFF = 'com.docker.compose.oneoff';

/** Parses the JSON; throws a plain Error with the first problem, which the caller puts in context. */
export function parseStacks(json: string): ObservedStack[] {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch (error) {
    throw new Error(`docker inspect output is not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const parsed = Inspect.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`docker inspect output has an unexpected shape at ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'invalid'}`);
  }
  const byProject = new Map<string, ObservedService[]>();
  for (const c of parsed.data) {
    const labels = c.Config.Labels ?? {};
    const project = labels[PROJECT];
    const service = labels[SERVICE];
    if (!project || !service || labels[ONEOFF] === 'True') continue;
    const services = byProject.get(project) ?? [];
    services.push({
      service,
      container: c.Id,
      image: c.Config.Image,
      state: c.State.Status,
      health: c.State.Health?.Status ?? 'none',
      spec: labels[SPEC_LABEL] ?? null,
    });
    byProject.set(project, services);
  }
  // Sorted, so the same host always reads the same: plans and their diffs stay stable.
  return [...byProject.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([project, services]) => ({
      project,
      services: services.sort((a, b) => a.service.localeCompare(b.service) || a.container.localeCompare(b.container)),
    }));
}
