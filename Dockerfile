# netwatch in a container: built in one stage, run non-root with only the capture capabilities.
#   docker build -t netwatch .
#   docker run --rm --net=host --cap-drop=ALL --cap-add=NET_RAW netwatch capture -i eth0 --count 50
#   docker run --rm -v "$PWD:/data:ro" netwatch analyze /data/traffic.pcap
FROM node:20-bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends libpcap-dev python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
COPY patches ./patches
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npx tsc -p tsconfig.json && npm prune --omit=dev --ignore-scripts

FROM node:20-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpcap0.8 libcap2-bin fonts-dejavu-core \
    && setcap cap_net_raw=eip "$(readlink -f /usr/local/bin/node)" \
    && apt-get purge -y libcap2-bin && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY web ./web
# A new named volume copies the image's /data, owner included: writable by the user the daemon runs as.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
ENTRYPOINT ["node", "/app/bin/netwatch"]
CMD ["--help"]
