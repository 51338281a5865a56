"""The web layer: Litestar controllers for pages and the JSON API, thin over the services."""
