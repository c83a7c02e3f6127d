# syntax=docker/dockerfile:1
# The API image: the compiled JavaScript run by node directly (`node dist/src/server.js`), with tini as
# PID 1. docker stop's SIGTERM reaches node itself (no npm or shell in between), which stops accepting,
# finishes in-flight requests, closes the database and exits 0; tini also reaps stray children.

# Stage 1: compile. All dependencies (TypeScript is a dev dependency), exactly from the lock file.
FROM node:24-bookworm-slim AS build
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY seeds ./seeds
RUN npm run build

# Stage 2: production dependencies only.
FROM node:24-bookworm-slim AS deps
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

# Stage 3: the runtime. Code and dependencies belong to root and are read-only to the service user;
# only DATA_DIR (secrets generated on first start, or the embedded database) is writable.
FROM node:24-bookworm-slim AS runtime
RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*
# NPM_CONFIG_IGNORE_SCRIPTS: `npm run admin:create` and friends run the compiled CLIs without their
# pre-scripts, which would try to rebuild with a compiler the image does not have.
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false NPM_CONFIG_IGNORE_SCRIPTS=true \
    HOST=0.0.0.0 PORT=3000 DATA_DIR=/app/data
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/seeds ./dist/seeds
COPY package.json package-lock.json ./
COPY migrations ./migrations
RUN mkdir -p /app/data && chown node:node /app/data && chmod 700 /app/data
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=5 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/src/server.js"]
