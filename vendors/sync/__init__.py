"""Catalog sync: vendors and solutions from one source, keyed by (source, external_id),
validated item by item and applied in bulk. The push API (apis, push), the feeds we pull
(feeds) and the management command share it: spec (what an item is), validate, request (the
top level of a push), apply (the bulk write and tombstones), sessions (a full sync in pages).

Each item is the full record: a field left out takes its default, so sending the same item
twice changes nothing the second time. The cost of a batch does not grow in queries with its
size: see apply.apply_batch, and bench/sync_bench.py for what that buys."""
