# Hustings: built as a wheel, installed with the locked dependencies; slim image, non-root user,
# database on the /data volume.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY cogs ./cogs
COPY migrations ./migrations
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /dist .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    HUSTINGS_DATABASE=/data/hustings.db

# A font for Chinese, Japanese and Korean names in charts (Droid Sans Fallback, Apache 2.0, 3.5 MB).
RUN apt-get update && apt-get install -y --no-install-recommends fonts-droid-fallback \
    && rm -rf /var/lib/apt/lists/*

COPY requirements.lock /tmp/requirements.lock
RUN pip install -r /tmp/requirements.lock
COPY --from=build /dist/ /tmp/dist/
RUN pip install --no-deps /tmp/dist/hustings-*.whl \
    && rm -rf /tmp/dist /tmp/requirements.lock \
    && useradd --system --uid 10001 --home-dir /data hustings \
    && mkdir -p /data && chown hustings /data

USER hustings
WORKDIR /data
VOLUME ["/data"]
# Connected to Discord, delivery loop ticking, database answering and writable (see README "Health").
HEALTHCHECK --interval=60s --timeout=20s --start-period=60s --retries=3 CMD ["hustings", "health"]
ENTRYPOINT ["hustings"]
CMD ["run"]
