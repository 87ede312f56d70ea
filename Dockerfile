# wirebench as a container image: the load generator of one shard (deploy/k8s/job.yaml), or a
# server (`wirebench serve --host 0.0.0.0`). Build: docker build -t wirebench:0.1.0 .
# Checked by test/deploy-k8s.test.ts (non-root user, wirebench as the entrypoint); not built in
# this repository's CI, which has no container runtime.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The browser tests' playwright-core is a devDependency: no browser download here.
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY api ./api
COPY load ./load
COPY reports ./reports
COPY scripts ./scripts
COPY servers ./servers
COPY test ./test
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN ln -s /app/dist/scripts/cli.js /usr/local/bin/wirebench && chmod +x /app/dist/scripts/cli.js
# The image's own unprivileged user (uid 1000 in the node images); the Job also says runAsNonRoot.
USER node
ENTRYPOINT ["wirebench"]
CMD ["--help"]
