"""Operational checks of running services (health_check.py)."""
