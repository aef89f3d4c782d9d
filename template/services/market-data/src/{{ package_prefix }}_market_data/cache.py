"""A TTL cache with request coalescing and stale-on-error, for one event loop.

* A fresh entry is served without calling upstream (`hit`).
* Concurrent misses for one key share a single upstream call (`coalesced`).
* When the call fails with a provider error, the last good value is served
  marked stale (`stale`) if it is not older than `stale_max_age`; otherwise the
  error propagates. Either way the failure is remembered for `error_backoff`
  seconds, so a failing upstream is not hit again by every request.
* With a `deadline`, no caller waits longer than that for a refresh: at the
  deadline it gets the last good value marked stale (within `stale_max_age`) or
  `UpstreamError("timeout")`, while the one shared refresh goes on in the
  background and fills the cache when it succeeds.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

from .providers.base import ProviderError, UpstreamError

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Cached(Generic[T]):
    """A cached value, when it was fetched, and whether it is served past its expiry."""

    value: T
    fetched_at: float
    stale: bool

    def age(self, now: float) -> float:
        """Seconds since the value was fetched, never negative."""
        return max(0.0, now - self.fetched_at)


@dataclass(slots=True)
class _Entry(Generic[T]):
    value: T
    fetched_at: float
    expires_at: float


@dataclass(slots=True)
class _Failure:
    error: ProviderError
    until: float


class TTLCache(Generic[T]):
    """Per-key cache with expiry, coalesced refreshes, stale fallback and error backoff."""

    def __init__(
        self,
        *,
        stale_max_age: float = 3600.0,
        error_backoff: float = 5.0,
        max_entries: int = 1024,
        deadline: float | None = None,
        clock: Callable[[], float] = time.time,
        on_event: Callable[[str], None] | None = None,
    ) -> None:
        """`deadline`: seconds a caller waits for a refresh (None: until it ends)."""
        self._entries: OrderedDict[Hashable, _Entry[T]] = OrderedDict()
        self._failures: dict[Hashable, _Failure] = {}
        self._inflight: dict[Hashable, asyncio.Task[Cached[T]]] = {}
        self._stale_max_age = stale_max_age
        self._error_backoff = error_backoff
        self._max_entries = max_entries
        self._deadline = deadline
        self._clock = clock
        self._on_event = on_event or (lambda _event: None)

    def has_fresh(self) -> bool:
        """Whether any entry is still within its expiry."""
        now = self._clock()
        return any(now < entry.expires_at for entry in self._entries.values())

    def _stale(self, key: Hashable, now: float) -> Cached[T] | None:
        entry = self._entries.get(key)
        if entry is None or now - entry.fetched_at > self._stale_max_age:
            return None
        return Cached(entry.value, entry.fetched_at, stale=True)

    async def get(
        self,
        key: Hashable,
        fetch: Callable[[], Awaitable[T]],
        expires_at: Callable[[float], float],
    ) -> Cached[T]:
        """The value for `key`; `expires_at(fetched_at)` says until when a new value is fresh."""
        now = self._clock()
        entry = self._entries.get(key)
        if entry is not None and now < entry.expires_at:
            self._entries.move_to_end(key)
            self._on_event("hit")
            return Cached(entry.value, entry.fetched_at, stale=False)
        failure = self._failures.get(key)
        if failure is not None and now < failure.until:
            stale = self._stale(key, now) if isinstance(failure.error, UpstreamError) else None
            self._on_event("stale" if stale else "error")
            if stale is None:
                raise failure.error
            return stale
        task = self._inflight.get(key)
        if task is None:
            self._on_event("miss")
            task = asyncio.create_task(self._refresh(key, fetch, expires_at))
            self._inflight[key] = task
            task.add_done_callback(lambda done: self._finished(key, done))
        else:
            self._on_event("coalesced")
        try:
            return await asyncio.wait_for(asyncio.shield(task), self._deadline)
        except TimeoutError:
            return self._past_deadline(key)

    def _past_deadline(self, key: Hashable) -> Cached[T]:
        """What a caller gets when the refresh outlasts the deadline (it goes on meanwhile)."""
        stale = self._stale(key, self._clock())
        self._on_event("stale" if stale else "error")
        if stale is None:
            raise UpstreamError("timeout", f"no answer within the {self._deadline:g} s deadline")
        return stale

    async def aclose(self) -> None:
        """Cancel the refreshes still in flight (on shutdown)."""
        tasks = list(self._inflight.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _finished(self, key: Hashable, task: asyncio.Task[Cached[T]]) -> None:
        if self._inflight.get(key) is task:
            del self._inflight[key]
        if not task.cancelled():
            task.exception()  # retrieved here so an unawaited failure is not reported as lost

    async def _refresh(
        self, key: Hashable, fetch: Callable[[], Awaitable[T]], expires_at: Callable[[float], float]
    ) -> Cached[T]:
        try:
            value = await fetch()
        except ProviderError as error:
            now = self._clock()
            self._failures[key] = _Failure(error, now + self._error_backoff)
            while len(self._failures) > self._max_entries:
                del self._failures[next(iter(self._failures))]
            stale = self._stale(key, now) if isinstance(error, UpstreamError) else None
            if stale is None:
                raise
            self._on_event("stale")
            return stale
        fetched = self._clock()
        self._failures.pop(key, None)
        self._entries[key] = _Entry(value, fetched, expires_at(fetched))
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)
        return Cached(value, fetched, stale=False)
