import gc

from portal import create_app

app = create_app()
# Everything made at start-up lives as long as the worker: keep it out of the collector's full
# passes, which otherwise stall requests that build many objects (bench/near.py: map p99 at
# 1 M rows went from 82 ms to 15 ms with the collector's start-up objects frozen).
gc.freeze()
