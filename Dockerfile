# Benchmate: one image for every process of the Procfile.
#   docker build -t benchmate .
#   docker run --env-file .env benchmate benchmate db upgrade        # release: migrate
#   docker run --env-file .env -p 3978:3978 benchmate                # web (behind a load balancer)
#   docker run --env-file .env benchmate benchmate worker            # worker (one or more)
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    BENCHMATE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3978

WORKDIR /app
# The dependencies first, so a code change does not reinstall them.
COPY pyproject.toml README.md ./
RUN mkdir bot adapters handlers store && touch bot/__init__.py adapters/__init__.py \
        handlers/__init__.py store/__init__.py \
    && pip install . && pip uninstall -y benchmate && rm -rf bot adapters handlers store
COPY bot bot
COPY adapters adapters
COPY handlers handlers
COPY store store
RUN pip install --no-deps . \
    && useradd --system --uid 10001 --home-dir /app benchmate \
    && chown benchmate /app

USER benchmate
EXPOSE 3978
# SIGTERM: stop taking turns, finish those in flight (3 s), hand back the outbox's leases.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3978'), timeout=4)"
CMD ["benchmate", "serve", "--no-worker"]
