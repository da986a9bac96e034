# syntax=docker/dockerfile:1

# Build stage: compile the TypeScript. Dev dependencies (typescript, vitest, eslint) stay here.
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` runs the build, and the sources are not copied yet (this layer
# only depends on the lockfile, so it is cached across source changes). The build runs below.
RUN npm ci --ignore-scripts
COPY . .
RUN npm run build
# Git does not track empty folders, so migrations/ and modules/ may be missing from a checkout
# until they hold files; make sure they exist for the runtime stage to copy.
RUN mkdir -p migrations modules

# Runtime stage: production dependencies and the build output only.
FROM node:20-slim AS runtime
# git: the fleet repo; openssh-client: the reconciler's way onto hosts (and ssh-keygen for
# host keys); postgresql-client: pg_dump of tenant databases before they are removed.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates openssh-client postgresql-client \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    BUCKFLEET_HOME=/var/lib/buckfleet
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build, and neither the compiler nor the sources are here.
RUN npm ci --omit=dev --ignore-scripts \
 && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY --from=build /app/migrations ./migrations
COPY --from=build /app/modules ./modules
# An unprivileged user owning only BUCKFLEET_HOME: the code under /app stays read-only to it.
RUN groupadd --system --gid 10001 buckfleet \
 && useradd --system --uid 10001 --gid buckfleet --home-dir /var/lib/buckfleet --create-home --shell /usr/sbin/nologin buckfleet
USER buckfleet:buckfleet
VOLUME ["/var/lib/buckfleet"]
ENV PORT=8080
EXPOSE 8080
# Liveness only (/healthz: the process answers), with node's own fetch: the slim image has no
# curl. Readiness (/readyz: database and fleet repo) is for load balancers, not for restarts.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/buckfleet.js"]
# The control plane; any other command runs instead (`docker run … buckfleet status`).
CMD ["up"]
