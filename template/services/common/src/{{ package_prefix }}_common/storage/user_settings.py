"""Per-user settings: quote currency, price display and quiet hours (table `user_settings`).

A user without a row has the defaults: quote None (USDT), display None (the A/B
experiment and the flag decide) and no quiet hours. Quiet hours are whole UTC hours
`[start, end)`; a window such as 22-07 wraps past midnight.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, get_args

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from .models import UserSetting
from .store import Alert, Storage

Display = Literal["compact", "detailed"]
DISPLAYS: tuple[str, ...] = get_args(Display)


def as_display(name: str) -> Display:
    """`name` as a Display, or ValueError."""
    if name == "compact":
        return "compact"
    if name == "detailed":
        return "detailed"
    raise ValueError(f"display must be one of {', '.join(DISPLAYS)}, not {name!r}")


@dataclass(frozen=True)
class QuietHours:
    """Alerts wait from `start` o'clock until `end` o'clock, UTC (22-7 spans midnight)."""

    start: int
    end: int

    def __post_init__(self) -> None:
        for hour in (self.start, self.end):
            if not 0 <= hour <= 23:
                raise ValueError(f"an hour is 0 to 23, not {hour}")
        if self.start == self.end:
            raise ValueError("quiet hours need different start and end hours")

    def contains(self, at: datetime) -> bool:
        """Whether `at` (aware) falls in the quiet hours."""
        hour = at.astimezone(UTC).hour
        if self.start < self.end:
            return self.start <= hour < self.end
        return hour >= self.start or hour < self.end


@dataclass(frozen=True)
class UserSettings:
    """One user's settings; the defaults are what a user who never chose anything gets."""

    user_id: int
    quote: str | None = None
    display: Display | None = None
    quiet: QuietHours | None = None

    def __post_init__(self) -> None:
        if self.display is not None:
            as_display(self.display)


_COLUMNS = (
    UserSetting.user_id,
    UserSetting.quote,
    UserSetting.display,
    UserSetting.quiet_start,
    UserSetting.quiet_end,
)


def _from_row(
    user_id: int, quote: str | None, shown: str | None, start: int | None, end: int | None
) -> UserSettings:
    quiet = None if start is None or end is None else QuietHours(start, end)
    return UserSettings(user_id, quote, None if shown is None else as_display(shown), quiet)


class SettingsStore:
    """Reads and writes user settings in `storage`'s database."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    def get(self, user_id: int) -> UserSettings:
        """`user_id`'s settings (the defaults when they never chose any)."""
        with self.storage.engine.connect() as connection:
            row = connection.execute(
                select(*_COLUMNS).where(UserSetting.user_id == user_id)
            ).first()
        return UserSettings(user_id) if row is None else _from_row(*row)

    def save(self, settings: UserSettings) -> None:
        """Store `settings`, replacing the user's previous ones."""
        values = {
            "quote": settings.quote,
            "display": settings.display,
            "quiet_start": None if settings.quiet is None else settings.quiet.start,
            "quiet_end": None if settings.quiet is None else settings.quiet.end,
            "updated_at": datetime.now(UTC),
        }
        change = update(UserSetting).where(UserSetting.user_id == settings.user_id).values(values)
        with self.storage.engine.begin() as connection:
            if connection.execute(change).rowcount:
                return
        try:
            with self.storage.engine.begin() as connection:
                connection.execute(insert(UserSetting).values(user_id=settings.user_id, **values))
        except IntegrityError:  # another replica inserted the row first: ours is newer
            with self.storage.engine.begin() as connection:
                connection.execute(change)

    def quiet_now(self, user_ids: Iterable[int], at: datetime | None = None) -> set[int]:
        """Which of `user_ids` are in their quiet hours at `at` (now by default)."""
        wanted = set(user_ids)
        if not wanted:
            return set()
        when = at or datetime.now(UTC)
        statement = select(*_COLUMNS).where(
            UserSetting.user_id.in_(sorted(wanted)), UserSetting.quiet_start.is_not(None)
        )
        with self.storage.engine.connect() as connection:
            found = [_from_row(*row) for row in connection.execute(statement)]
        return {
            settings.user_id
            for settings in found
            if settings.quiet is not None and settings.quiet.contains(when)
        }

    def awake(self, alerts: Sequence[Alert], at: datetime | None = None) -> list[Alert]:
        """The `alerts` whose chat is not in its quiet hours at `at`: the others are held
        (left pending, so the check after the quiet hours fires them if they still hold)."""
        quiet = self.quiet_now({alert.chat_id for alert in alerts}, at)
        return [alert for alert in alerts if alert.chat_id not in quiet]
