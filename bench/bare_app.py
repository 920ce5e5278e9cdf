"""A bare Flask + Jinja page, the baseline that bench/pages.py compares the portal with.

One route, `/page`, renders a child template (extends a base layout, fills a block) with
a small table. No database, no session, no extensions: it is what "Flask and Jinja alone"
cost for a page of about the same size as the portal page being measured.

Tune ROWS so the page's uncompressed size is within ±30 % of the portal page's
(bench/pages.py prints both sizes and warns when they are further apart). The
environment variable BARE_ROWS overrides it without editing this file
(bench/pages.py --rows sets it).

Run alone: .venv/bin/gunicorn --chdir bench bare_app:app
"""
from __future__ import annotations

import os

from flask import Flask, render_template
from jinja2 import DictLoader

# About 78 bytes of HTML per row around a ~800-byte layout: 22 rows give ~2.5 KB,
# the size of the portal's /signin page (2.5 KB); 25 rows give 2.75 KB.
ROWS = int(os.environ.get("BARE_ROWS", "22"))

BASE = """<!doctype html>
<html lang="en" dir="ltr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{% block title %}{% endblock %} · Bare</title>
<link rel="stylesheet" href="/static/bare.css">
<script src="/static/bare.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to main content</a>
<header class="site">
  <a class="brand" href="/">Bare</a>
  <nav aria-label="Main">
    <ul>
      {% for href, label in nav %}<li><a href="{{ href }}">{{ label }}</a></li>{% endfor %}
    </ul>
  </nav>
</header>
<main id="main" tabindex="-1">
{% block content %}{% endblock %}
</main>
<footer class="site">
  <p>{{ footer }}</p>
</footer>
</body>
</html>
"""

PAGE = """{% extends "base.html" %}
{% block title %}{{ heading }}{% endblock %}
{% block content %}
<h1>{{ heading }}</h1>
<table>
  <thead><tr><th>#</th><th>Name</th><th>Status</th><th>Count</th></tr></thead>
  <tbody>
  {% for row in rows %}
    <tr><td>{{ row.id }}</td><td>{{ row.name }}</td><td>{{ row.status }}</td><td>{{ row.count }}</td></tr>
  {% endfor %}
  </tbody>
</table>
{% endblock %}
"""

STATUSES = ("open", "in progress", "closed")
ITEMS = [
    {"id": i, "name": f"Item number {i}", "status": STATUSES[i % 3], "count": i * 7 % 100}
    for i in range(1, ROWS + 1)
]

app = Flask(__name__)
app.jinja_env.loader = DictLoader({"base.html": BASE, "page.html": PAGE})


@app.get("/page")
def page():
    return render_template(
        "page.html",
        heading="Bare Flask + Jinja",
        nav=[("/", "Home"), ("/page", "Page")],
        rows=ITEMS,
        footer="A baseline page for bench/pages.py.",
    )
