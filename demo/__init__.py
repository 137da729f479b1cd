"""Demo data for `manage.py seed_demo`: the organisation, the catalog and proposals played
through the real workflow (demo.loader). Nothing in the production apps imports it."""
