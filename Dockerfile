# syntax=docker/dockerfile:1.7
# One image for every MedLives app. Each Deployment runs `node dist/<app>/main.js` from /app,
# as uid 1000 on a read-only root filesystem (the pod mounts a writable /tmp).
#   docker build -t medlives .                  runtime image (production dependencies only)
#   docker build --target dev -t medlives-dev .  toolchain + sources, used by Tilt's live update
ARG NODE_IMAGE=node:20-bookworm-slim

# Only the package manifests: the dependency layers below rebuild when dependencies change, not code.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN mkdir /manifests \
 && find . -name package.json -not -path '*/node_modules/*' | tar -cf - -T - | tar -xf - -C /manifests \
 && cp package-lock.json /manifests/

# Full toolchain, sources and the esbuild output.
FROM ${NODE_IMAGE} AS dev
WORKDIR /app
RUN chown node:node /app
USER node
COPY --chown=node:node --from=manifests /manifests/ ./
# Not `npm ci`: package-lock.json lacks @swc/core's other-platform optional binaries (the registry
# here does not serve them), and `npm ci` refuses such a lock; `npm install` honours it for the rest.
# scripts/k8s/dockerfile-check.ts (CI) runs these stages without Docker.
RUN --mount=type=cache,target=/home/node/.npm,uid=1000,gid=1000 npm install --no-audit --no-fund
COPY --chown=node:node . .
RUN npm run build
CMD ["node", "dist/producer-api/main.js"]

# Production dependencies only; install scripts are not needed at runtime.
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY --from=manifests /manifests/ ./
RUN --mount=type=cache,target=/root/.npm npm install --omit=dev --ignore-scripts --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=prod-deps /app/package.json ./package.json
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=dev /app/dist ./dist
# The `node` user of the official image; node itself is PID 1 and receives SIGTERM directly.
USER 1000:1000
CMD ["node", "dist/producer-api/main.js"]
