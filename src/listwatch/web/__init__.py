"""The web UI: server-rendered pages (Jinja2) over the same library calls as the JSON API."""
