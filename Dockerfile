# Production image: gunicorn serving Django, static files served by whitenoise.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# pg_dump, pg_restore and psql (PostgreSQL 15, as the db service) for backups and
# restores, and gpg to encrypt the sets.
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client gnupg \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, so editing the code does not invalidate this layer.
# (The project itself has no installable packages; the code runs from /app.)
COPY pyproject.toml README.md* ./
RUN pip install .

COPY . .

# Bake the collected, compressed static files into the image. The settings refuse
# to load without production values, so give them harmless build-only ones.
RUN DJANGO_SETTINGS_MODULE=config.settings.production \
    DJANGO_SECRET_KEY=build-only-placeholder-never-used-at-runtime-0123456789abcdef \
    DJANGO_ALLOWED_HOSTS=localhost \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    DJANGO_EMAIL_URL=consolemail:// \
    DJANGO_SITE_URL=https://localhost \
    python manage.py collectstatic --noinput -v0

# The application only needs to read /app, so the code stays owned by root.
RUN useradd --system --uid 10001 --no-create-home --home-dir /nonexistent delaktig
# Uploaded documents (a volume shared by every web replica): the app must write here.
RUN mkdir -p /app/media && chown delaktig /app/media
# Backup sets hold personal data: readable by the app's user only.
RUN mkdir -p /app/backups && chown delaktig /app/backups && chmod 700 /app/backups
USER delaktig

ENV DJANGO_SETTINGS_MODULE=config.settings.production
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2", "--access-logfile", "-"]
