# Magpie's image: the compiled CLI on Node 22, production dependencies only, run as a non-root user.
# Built from the repository root, whose .dockerignore keeps node_modules, .local and test data out:
#   docker build -f compose/magpie.Dockerfile -t magpie .
# (compose/docker-compose.yml builds it so.) The container runs `magpie up` unless given another
# command, e.g. `docker run … magpie backfill --relay wss://…`.

# TypeScript is a development dependency: this stage has them all and compiles src/ to dist/ with
# the project's own build (scripts/build). Install scripts are skipped: compiling needs none of them.
FROM node:22-bookworm AS build
WORKDIR /magpie
COPY package.json package-lock.json ./
RUN npm ci --include=dev --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
COPY devnet ./devnet
RUN MAGPIE_SKIP_DEPS=1 npm run build

# The production dependencies, with their install scripts (secp256k1's native binding), on the full
# image that has a compiler for architectures without a prebuilt binding.
FROM node:22-bookworm AS deps
WORKDIR /magpie
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# What runs: the compiled code and the files it reads beside it (index templates, lifecycle
# policies, the search page; package.json marks the root they are found from). Owned by root and
# run as the image's unprivileged `node` user, so the process cannot change its own code.
FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=2584
WORKDIR /magpie
COPY package.json ./
COPY --from=deps /magpie/node_modules ./node_modules
COPY --from=build /magpie/dist ./dist
COPY index-templates ./index-templates
COPY ilm-policies ./ilm-policies
COPY src/server/web ./src/server/web
USER node
EXPOSE 2584
ENTRYPOINT ["node", "dist/src/cli/main.js"]
CMD ["up"]
