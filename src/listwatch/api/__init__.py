"""HTTP API: :func:`listwatch.api.app.create_app`, served by ``listwatch serve``."""
