# GigBook production image: gunicorn serves the app; the same image runs the Celery worker and beat.
FROM python:3.12-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=gigbook.settings \
    GIGBOOK_VAR_DIR=/app/var

WORKDIR /app
# Pango, HarfBuzz and a font: WeasyPrint renders invoice PDFs with them.
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 1000 gigbook

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# collectstatic needs settings to load; these throwaway values exist only for the build step.
RUN DEBUG=0 SECRET_KEY=build-only-not-a-secret-build-only-not-a-secret-xyz123 \
    DATABASE_URL=postgres://build@localhost/build python manage.py collectstatic --noinput \
    && mkdir -p /app/var/media \
    && chown -R gigbook:gigbook /app/var

USER gigbook
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8000/healthz || exit 1
CMD ["gunicorn", "gigbook.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
