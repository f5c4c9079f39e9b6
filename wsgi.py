"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""

from quiz import create_app

app = create_app()
