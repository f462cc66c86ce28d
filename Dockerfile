# syntax=docker/dockerfile:1
# mesos-dns-ts: a drop-in replacement for Mesos-DNS. Two stages: build (dev dependencies, tsc) and
# runtime (production dependencies, compiled dist/src, the embedded default cluster).
#
#   docker build -t mesos-dns-ts .
#   docker run --rm --network host mesos-dns-ts          # the embedded cluster on 127.0.0.1:8053/8123
#   docker run -d --network host -v /etc/mesos-dns:/etc/mesos-dns:ro \
#     -e MESOS_DNS_CONFIG=/etc/mesos-dns/config.json mesos-dns-ts
#
# Port 53 as a non-root user: the runtime stage gives the node binary the single file capability
# cap_net_bind_service (setcap), which works with host networking (Marathon, `--network host`) where
# the net.ipv4.ip_unprivileged_port_start sysctl cannot be set per container. It needs the engine's
# default capability set (or `--cap-add NET_BIND_SERVICE` after `--cap-drop ALL`) and no
# `--security-opt no-new-privileges`; see deploy/README.md for the sysctl alternative.

# Pinned to the exact Node release the test suite runs on. For reproducible builds pin the digest as
# well: FROM node:20.20.2-bookworm-slim@sha256:<digest> (docker buildx imagetools inspect <tag>).
FROM node:20.20.2-bookworm-slim AS build
WORKDIR /build
# Dependencies first, so the layer is reused while only sources change; no install scripts are needed.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npm run build

FROM node:20.20.2-bookworm-slim AS runtime
# Bind port 53 without root: a file capability on node, then the tool that set it is removed again.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libcap2-bin \
 && setcap cap_net_bind_service=+ep /usr/local/bin/node \
 && getcap /usr/local/bin/node | grep -q cap_net_bind_service \
 && apt-get purge -y --auto-remove libcap2-bin \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production \
    MESOS_DNS_CONFIG=/app/fixtures/embedded/config.json
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force
# What the server reads at run time: the compiled code, package.json (version), the embedded default
# config and state, and the health-check script. All owned by root, so read-only to the server.
COPY --from=build /build/dist/src ./dist/src
COPY fixtures/embedded ./fixtures/embedded
COPY deploy/healthcheck.mjs ./deploy/healthcheck.mjs
# uid/gid 1000 is the image's unprivileged "node" user (numeric, so runAsNonRoot checks can verify it).
USER 1000:1000
EXPOSE 53/udp 53/tcp 8123/tcp
# SIGTERM drains (queries and forwards in flight finish, at most 10 s) and exits 0; SIGHUP re-reads
# the config (docker kill --signal=HUP <container>).
STOPSIGNAL SIGTERM
# GET /health on the HTTP listener named in $MESOS_DNS_CONFIG: 200 once the first table is loaded and
# fresh, 503 while the records are stale (no curl in slim images, so node does the request).
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "/app/deploy/healthcheck.mjs"]
# The same command as `npm start` (node dist/src/main.js -config=...), with the config path from the
# environment; `exec` makes node PID 1 so it receives the signals itself. Extra arguments given to
# `docker run IMAGE ...` are appended (e.g. -v=1).
ENTRYPOINT ["/bin/sh", "-c", "exec node dist/src/main.js -config=\"$MESOS_DNS_CONFIG\" \"$@\"", "mesos-dns-ts"]
CMD []
