# Ember dev/runtime image: ember-repl built in a Rust stage, run from a slim
# Debian with tmux and zsh. The checkout is mounted at /srv/ember (make dev).
#
#   make docker-build && make dev && make repl

# ── Build: ember-repl in release mode (compiles llama.cpp via cmake) ─────────
# Built for the CPU of the machine running `docker build` (the image runs
# where it is built), so llama.cpp uses all its SIMD features;
# --build-arg EMBER_RUSTFLAGS= builds a portable binary instead.
FROM rust:1-slim-bookworm AS build
ARG EMBER_RUSTFLAGS="-C target-cpu=native"

RUN apt-get update \
    && apt-get install -y --no-install-recommends cmake clang libclang-dev g++ make pkg-config git \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY . .
RUN RUSTFLAGS="$EMBER_RUSTFLAGS" cargo build --release --locked -p ember-repl --target-dir target/native \
    && install -m 0755 target/native/release/ember-repl /usr/local/bin/ember-repl

# ── Runtime ──────────────────────────────────────────────────────────────────
FROM debian:bookworm-slim

RUN apt-get update \
    && apt-get install -y --no-install-recommends tmux zsh ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 1000 --shell /bin/zsh ember \
    && mkdir -p /srv/ember /vault \
    && chown ember:ember /srv/ember /vault

COPY --from=build /usr/local/bin/ember-repl /usr/local/bin/ember-repl

ENV EMBER_REPO_DIR=/srv/ember \
    EMBER_BIN=/usr/local/bin/ember-repl \
    VAULT_DIR=/vault \
    LLAMA_CPP_MODEL_DIR=/srv/ember/models

# ember (numeric, so `docker run --user` and volume ownership agree).
USER 1000:1000
WORKDIR /srv/ember
VOLUME ["/srv/ember", "/vault"]

# Keep the container alive; `make repl` runs ember-repl with docker exec.
CMD ["sleep", "infinity"]
