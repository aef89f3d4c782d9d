"""Integration tests of the services (services/)."""
