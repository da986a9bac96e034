-- Up Migration
-- How often each owner's lock was taken or released (reconciler/lock.ts): +1 on take, +1 on
-- release, so an odd generation means held (or left held by a process that died). A pass reads
-- them before it observes the world; an owner whose generation then moved only by its own take
-- was touched by nobody since, and its turn plans on the pass's observation instead of looking
-- at its host again (Kubernetes' resourceVersion, for owners).
CREATE TABLE owner_generations (
  owner text PRIMARY KEY,
  generation bigint NOT NULL
);
