"""Errors that stop the bot at start-up with one line for the user."""


class StartupError(RuntimeError):
    """The bot cannot start (Telegram rejected the token or is unreachable)."""
