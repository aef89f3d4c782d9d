"""Experiment analytics: A/B test results from the bot's exposure and conversion events."""
