"""The web workspace: FastAPI app factory, pages (Jinja2 + htmx), JSON API, static assets."""

from gavah.web.app import create_app

__all__ = ["create_app"]
