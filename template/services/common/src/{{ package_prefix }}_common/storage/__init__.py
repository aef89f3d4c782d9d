"""Persistent state of the bot: each chat's watchlist and price alerts, and A/B test events.

`Storage(url)` works on SQLite (the default file under DATA_DIR, created and
migrated on first use) and on PostgreSQL (`postgresql+psycopg://...`, with the
`postgres` extra installed). It is synchronous; async code calls it through
`asyncio.to_thread`.
"""

from .events import ExperimentLog, VariantCounts, variant_counts
from .store import Alert, Direction, Firing, Kind, Storage
from .usage import UsageCounts, usage_counts

__all__ = [
    "Alert",
    "Direction",
    "ExperimentLog",
    "Firing",
    "Kind",
    "Storage",
    "UsageCounts",
    "VariantCounts",
    "usage_counts",
    "variant_counts",
]
