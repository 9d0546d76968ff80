"""What the suites share to drive the real parts, each written once:

- ``livestack``: the live stack (PostgreSQL, Redis, the simulator, daphne, Celery, a session worker), its
  processes and their logs;
- ``people``: users, workspaces and API tokens made in a live stack's database (``make_people``), and any
  other Django code run there (``run_django``);
- ``phone``: the phone, ``simulator.testing.PhoneClient``, for synchronous tests (``Phone``);
- ``receiver``: a signed webhook endpoint that plays the backend for the worker (``WebhookReceiver``);
- ``waiting``: ``wait_until`` and ``wait_until_async``, the one way the tests wait on a condition.
"""
