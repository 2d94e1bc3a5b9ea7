# Hustings: slim image, non-root user, database on the /data volume.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    HUSTINGS_DATABASE=/data/hustings.db \
    MPLCONFIGDIR=/tmp/matplotlib

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY cogs ./cogs
COPY migrations ./migrations
RUN pip install -e . \
    && useradd --system --uid 10001 --home-dir /app hustings \
    && mkdir -p /data && chown hustings /data

USER hustings
VOLUME ["/data"]
ENTRYPOINT ["hustings"]
CMD ["run"]
