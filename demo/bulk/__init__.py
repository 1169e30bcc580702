"""Large demo loads on PostgreSQL: ``seed_demo --redemptions N`` with N > :data:`BULK_THRESHOLD`.

The loader replicates the small demo: :mod:`demo.bulk.template` has the demo generator write one small
demo in the load's transaction, :mod:`demo.bulk.clone` has the server copy its history with fresh ids and
shifted times, :mod:`demo.bulk.tables` sets indexes and foreign keys aside meanwhile, and
:mod:`demo.bulk.load` runs the whole in one transaction. No decision is taken here: every row is a copy of
one the product's code wrote.
"""

from demo.bulk.load import BULK_THRESHOLD, BulkRefused, BulkResult, seed_bulk

__all__ = ["BULK_THRESHOLD", "BulkRefused", "BulkResult", "seed_bulk"]
