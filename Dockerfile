# Multi-stage build: deps -> build (tsc) -> runtime with only dist/ and production node_modules.
# The base image is a build arg so a mirror, a private registry or the offline toolchain's image can stand in.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS base
WORKDIR /app
# Keep npm quiet and out of the network for things the image never needs.
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false

# All dependencies (dev included), for compiling and for the dev target. Only package*.json is copied
# first, so a change to source alone reuses this layer.
FROM base AS deps
COPY package.json package-lock.json ./
RUN npm ci

# Development target used by docker-compose.dev.yml: tsx watch with the source synced in by compose watch, and
# the inspector on all of the container's interfaces (compose publishes it on the host's 127.0.0.1 only).
FROM deps AS dev
COPY tsconfig.json ./
COPY app ./app
CMD ["npx", "tsx", "watch", "--inspect=0.0.0.0:9229", "app/src/server.ts"]

FROM deps AS build
COPY tsconfig.json tsconfig.build.json ./
COPY app/src ./app/src
# tsc, then a copy of the non-TypeScript files: a feature may keep its views next to its code (app/src/<feature>/).
RUN npm run build

# Production dependencies only; --ignore-scripts because none of them needs an install script.
FROM base AS prod-deps
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

FROM base AS runtime
# Empty means "the version in package.json"; CI passes the git tag.
ARG APP_VERSION=
ARG VCS_REF=unknown
LABEL org.opencontainers.image.title="posts-stack app" \
      org.opencontainers.image.description="Express 5 + Mongoose + EJS posts app, run behind nginx" \
      org.opencontainers.image.version="${APP_VERSION}" \
      org.opencontainers.image.revision="${VCS_REF}" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.source="https://github.com/example/posts-stack"
ENV NODE_ENV=production PORT=3000 APP_VERSION=${APP_VERSION}
COPY --from=prod-deps /app/node_modules ./node_modules
COPY package.json ./
COPY --from=build /app/app/dist ./dist
COPY app/views ./views
COPY app/public ./public
# The official node images' unprivileged user, node (1000:1000), by number so an orchestrator can tell it is
# not root; files stay root-owned and read-only to it.
USER 1000:1000
EXPOSE 3000
# No HEALTHCHECK here: docker-compose.yml owns the app's (compose, the dev overlay and Swarm all read it there).
# Exec form running node itself: npm would not forward SIGTERM. compose adds an init (init: true) as PID 1.
CMD ["node", "--enable-source-maps", "dist/server.js"]
