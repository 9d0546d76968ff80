"""A local WhatsApp Web and phone: the page surface the worker drives, and the phone's side as an API.

Run it with ``python -m simulator --port 8002 --profile instant|realistic``; build it in-process with
``simulator.app.create_app(config)``; tests start one with ``simulator.testing.running_simulator``.
"""
