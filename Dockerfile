# One image for every Switchboard service; docker-compose.yml picks the entry point per service.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY apps/gateway/package.json apps/gateway/
COPY apps/mcp-blotato/package.json apps/mcp-blotato/
COPY apps/mcp-gmail/package.json apps/mcp-gmail/
COPY apps/mcp-drive/package.json apps/mcp-drive/
COPY packages packages
COPY test/package.json test/
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules node_modules
COPY . .
USER node
# Overridden per service in docker-compose.yml.
CMD ["node", "--import", "@switchboard/ts-runtime/register", "apps/gateway/src/main.ts"]
