"""The worker's entry point: ``celery -A app.jobs.worker worker`` (SEKRETARIAT_CONFIG and the
same environment as the web app, with CELERY_BROKER_URL or REDIS_URL set)."""

from app import create_app

flask_app = create_app()
celery = flask_app.extensions["celery"]
