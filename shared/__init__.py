"""The contract between the backend and the session worker: signing and the event schema.

Imports neither service; both import it.
"""
