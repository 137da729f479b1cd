# One image for the three app services of docker-compose.yml: web (gunicorn), worker and beat.
FROM python:3.13-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_PYTHON_DOWNLOADS=never

# psycopg2 builds from source: it needs pg_config (libpq-dev) and a compiler.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq-dev gcc \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir 'uv>=0.9,<1' \
    && uv pip install --system --no-cache -r pyproject.toml

COPY . .
# Static files are collected at build time and served by WhiteNoise; the key is a build-only dummy.
RUN DEBUG=false SECRET_KEY=collectstatic-only AUDIT_HMAC_KEY=collectstatic-only-0123456789abcdef \
        python manage.py collectstatic --noinput \
    && python scripts/compile_messages.py \
    && useradd --system --uid 1000 --home /app app \
    && mkdir -p /var/lib/hrtech-gov/audit-checkpoints \
    && chown -R app /app /var/lib/hrtech-gov
USER app

EXPOSE 8000
CMD ["gunicorn", "hrtech_gov.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
