# The production image: one image for web, worker, beat and migrate (see docker-compose.yml);
# scripts/entrypoint.sh picks the process.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint's Pango and a font for the PDFs, gettext to compile the French catalogue (the
# same list as scripts/system-deps.sh run).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
       gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, from pyproject.toml alone, so code changes reuse this layer.
COPY pyproject.toml ./
RUN pip install .

COPY . .

# The French catalogue is compiled at build time, like the static files.
RUN python manage.py compilemessages --ignore '.*' -v 0

# Static files are collected at build time with the production storage (hashed names, gzip).
# The key only satisfies the production settings check; it is not kept in the image.
RUN DJANGO_ENV=production ALLOWED_HOSTS=localhost \
    SECRET_KEY=build-time-only-collectstatic-key-never-used-to-sign-anything-0123456789 \
    python manage.py collectstatic --noinput

RUN useradd --system --uid 10001 --user-group --home-dir /app --no-create-home pmsystem \
    && mkdir -p /app/media \
    && chown pmsystem:pmsystem /app/media
USER pmsystem

ENV PORT=8000 MEDIA_ROOT=/app/media
EXPOSE 8000
ENTRYPOINT ["/app/scripts/entrypoint.sh"]
CMD ["web"]
