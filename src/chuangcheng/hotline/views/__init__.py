"""The 12345 pages (routes: hotline/urls.py; templates: hotline/templates/hotline/)."""
