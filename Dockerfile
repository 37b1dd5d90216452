# syntax=docker/dockerfile:1
# Roster in a container: a release build on Debian, then a small Debian
# runtime holding only the binary, run as a non-root user, serving on all
# interfaces, with the SQLite database on a volume and a health check on
# /readyz. PostgreSQL instead: set ROSTER_DATABASE_URL (see compose.yaml).
#
#   docker build -t roster .
#   docker run -p 8080:8080 -v roster-data:/var/lib/roster roster
#
# The admin key is printed on the first start (`docker logs`), or set
# ROSTER_BOOTSTRAP_API_KEY.

FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p roster \
 && install -D target/release/roster /out/roster

FROM debian:bookworm-slim
# curl for the health check; ca-certificates for PostgreSQL over TLS and
# https webhooks.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/roster --create-home roster
COPY --from=build /out/roster /usr/local/bin/roster
USER roster
WORKDIR /var/lib/roster
VOLUME ["/var/lib/roster"]
ENV ROSTER_LISTEN=0.0.0.0:8080 \
    ROSTER_DATABASE_URL=sqlite:///var/lib/roster/roster.db
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/readyz || exit 1
# SIGTERM drains in-flight requests (--shutdown-timeout, 30 s).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/roster"]
CMD ["serve"]
