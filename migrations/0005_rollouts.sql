-- Up Migration
-- Staged rollouts of module releases (modules/rollout.ts): the canary PR of a release, and
-- per canary tenant since when it has been seen healthy (soak_starts: slug → time) on the new version, so the soak time
-- survives restarts and several `buckfleet rollout advance` runs agree on it. The desired state
-- (who runs which version) stays in the fleet repo; this is only the rollout's bookkeeping.
CREATE TABLE rollouts (
  module text NOT NULL,
  version text NOT NULL,
  state text NOT NULL CHECK (state IN ('canary', 'completed', 'halted')),
  canary jsonb NOT NULL,
  canary_pr integer NOT NULL,
  rest_pr integer,
  soak_starts jsonb NOT NULL DEFAULT '{}'::jsonb,
  halted_reason text,
  started_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (module, version)
);
CREATE INDEX rollouts_active ON rollouts (started_at) WHERE state = 'canary';
