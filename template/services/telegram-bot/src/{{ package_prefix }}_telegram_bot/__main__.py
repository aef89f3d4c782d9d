"""`python -m <package>` runs the bot, like the `telegram-bot` command."""

from .main import main

main()
