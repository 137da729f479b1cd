"""Demo data for `manage.py seed_demo`: the organisation, the catalog (vendors.demo_catalog) and
proposals played through the real workflow. See decisions.demo.loader."""

from decisions.demo.loader import SeedReport, seed_demo
from decisions.demo.organisation import DEMO_PASSWORD, USERS

__all__ = ["DEMO_PASSWORD", "USERS", "SeedReport", "seed_demo"]
