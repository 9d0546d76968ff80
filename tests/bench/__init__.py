"""`make bench`: the seed's metrics and our density, measured on the real stack on loopback.

``python -m tests.bench`` runs every measure; ``python -m tests.bench qr scan`` runs some; ``--small`` runs
them at development sizes. See __main__.py for the order, report.py for the table and the goals.
"""
