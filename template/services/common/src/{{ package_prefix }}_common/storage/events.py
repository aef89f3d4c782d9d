"""A/B test events: exposures (a subject was shown a variant) and conversions after them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, distinct, func, insert, select

from ..symbols import normalize_symbol
from .models import ExperimentEvent
from .store import Storage

EXPOSURE = "exposure"
CONVERSION = "conversion"
SESSION = timedelta(minutes=30)


@dataclass(frozen=True)
class VariantCounts:
    """How many distinct subjects saw a variant, and how many of them converted."""

    experiment: str
    variant: str
    exposures: int
    conversions: int


class ExperimentLog:
    """Records exposures and conversions in `storage`'s database and counts them."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    def record_exposure(
        self,
        experiment: str,
        variant: str,
        subject: int,
        symbols: Sequence[str],
        action: str,
        at: datetime | None = None,
    ) -> None:
        """`subject` was shown `variant` of `experiment` for each of `symbols`."""
        when = at or datetime.now(UTC)
        rows = [
            {
                "experiment": experiment,
                "variant": variant,
                "kind": EXPOSURE,
                "subject": subject,
                "symbol": normalize_symbol(symbol) if symbol else None,
                "action": action,
                "created_at": when,
            }
            for symbol in (symbols or [""])
        ]
        with self.storage.engine.begin() as connection:
            connection.execute(insert(ExperimentEvent), rows)

    def record_conversion(
        self,
        experiment: str,
        subject: int,
        symbol: str,
        action: str,
        within: timedelta = SESSION,
        at: datetime | None = None,
    ) -> str | None:
        """Record that `subject` acted on `symbol`, if a variant showed it to them `within` ago.

        Returns the variant credited with the conversion, or None when there was
        no such exposure (then nothing is recorded).
        """
        when = at or datetime.now(UTC)
        symbol = normalize_symbol(symbol)
        latest = (
            select(ExperimentEvent.variant)
            .where(
                ExperimentEvent.experiment == experiment,
                ExperimentEvent.subject == subject,
                ExperimentEvent.kind == EXPOSURE,
                ExperimentEvent.symbol == symbol,
                ExperimentEvent.created_at >= when - within,
                ExperimentEvent.created_at <= when,
            )
            .order_by(ExperimentEvent.created_at.desc(), ExperimentEvent.id.desc())
            .limit(1)
        )
        with self.storage.engine.begin() as connection:
            variant = connection.scalar(latest)
            if variant is None:
                return None
            connection.execute(
                insert(ExperimentEvent).values(
                    experiment=experiment,
                    variant=variant,
                    kind=CONVERSION,
                    subject=subject,
                    symbol=symbol,
                    action=action,
                    created_at=when,
                )
            )
        return str(variant)

    def counts(self, experiment: str | None = None) -> list[VariantCounts]:
        """Distinct exposed and converted subjects per experiment and variant, sorted by name."""
        return variant_counts(self.storage.engine, experiment)


def variant_counts(engine: Engine, experiment: str | None = None) -> list[VariantCounts]:
    """The counts of `ExperimentLog.counts`, read through `engine` without migrating it."""
    subjects = func.count(distinct(ExperimentEvent.subject))
    statement = select(
        ExperimentEvent.experiment, ExperimentEvent.variant, ExperimentEvent.kind, subjects
    ).group_by(ExperimentEvent.experiment, ExperimentEvent.variant, ExperimentEvent.kind)
    if experiment is not None:
        statement = statement.where(ExperimentEvent.experiment == experiment)
    totals: dict[tuple[str, str], dict[str, int]] = {}
    with engine.connect() as connection:
        for name, variant, kind, count in connection.execute(statement):
            totals.setdefault((name, variant), {})[kind] = int(count)
    return [
        VariantCounts(name, variant, found.get(EXPOSURE, 0), found.get(CONVERSION, 0))
        for (name, variant), found in sorted(totals.items())
    ]
