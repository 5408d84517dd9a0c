"""WSGI entry point for gunicorn: ``examserver.wsgi:app``."""
from examserver import create_app

app = create_app()
