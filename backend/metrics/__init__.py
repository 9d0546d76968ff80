"""The backend's Prometheus metrics (docs/operations.md, "Monitoring"): the domain counters (counters.py), counted
by the services where the thing happens; the gauges read from the database at scrape time (collector.py); and
``GET /metrics`` (views.py), served on the private listener only."""
