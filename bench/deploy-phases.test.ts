import { describe, expect, it } from 'vitest';
import { deployPhases, type DeployTimes } from './deploy-phases.js';

const step = (kind: string, startedAt: number, finishedAt: number) => ({ kind, startedAt, finishedAt, status: 'done' });
const base = { sentAt: 0, respondedAt: 10, committedAt: 400, plannedAt: 700 };

describe('deployPhases', () => {
  it('a shared purchase: every phase its own, adding up to the total', () => {
    const t: DeployTimes = {
      ...base,
      steps: [step('database.ensure', 710, 900), step('database.migrate', 905, 1000), step('stack.deploy', 1010, 9000)],
      containerStartedAt: 2000,
      answeredAt: 9100,
    };
    const p = deployPhases(t);
    expect(p).toMatchObject({ webhook: 10, commit: 390, plan: 300, droplet: 0, boot: 0, database: 285, composeUp: 990, healthy: 7000, answer: 100, total: 9100 });
    expect(p.gaps).toBe(25);
    expect(p.overhead).toBe(9100 - 990 - 7000);
  });

  it('a dedicated purchase: the database made while the droplet boots is part of the boot, not of the overhead', () => {
    const t: DeployTimes = {
      ...base,
      steps: [step('droplet.create', 710, 780), step('database.ensure', 1000, 1300), step('database.migrate', 1310, 1500), step('host.wait', 1510, 56_000), step('stack.deploy', 56_010, 64_000)],
      containerStartedAt: 57_000,
      answeredAt: 64_100,
    };
    const p = deployPhases(t);
    expect(p).toMatchObject({ droplet: 70, boot: 56_000 - 780, database: 0 });
    expect(p.overhead).toBe(64_100 - 990 - 7000 - (56_000 - 780));
    const parts: number[] = Object.entries(p).flatMap(([k, v]: [string, number]) => (k === 'total' || k === 'overhead' ? [] : [v]));
    expect(parts.reduce((sum, v) => sum + v, 0)).toBe(p.total);
  });

  it('a dedicated purchase whose host was up at host.wait\'s first look: the database is on the critical path', () => {
    const t: DeployTimes = {
      ...base,
      steps: [step('droplet.create', 710, 780), step('database.ensure', 790, 1300), step('database.migrate', 1310, 1500), step('host.wait', 1510, 1700), step('stack.deploy', 1710, 9000)],
      containerStartedAt: 2500,
      answeredAt: 9100,
    };
    expect(deployPhases(t)).toMatchObject({ boot: 190, database: 700 });
  });
});
