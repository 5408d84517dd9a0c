"""WSGI entry point for gunicorn: ``examserver.wsgi:app``."""
from . import create_app

app = create_app()
