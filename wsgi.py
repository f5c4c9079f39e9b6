"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""

import gc

from quiz import create_app

app = create_app()

# What start-up made lives as long as the process.  Frozen out of the cyclic garbage
# collector, it is neither walked by a worker's full collections nor copied out of the
# pages a preloaded gunicorn master shares with its workers (gc.freeze's documented use).
gc.collect()
gc.freeze()
