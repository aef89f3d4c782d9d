"""Unit tests of the services (services/)."""
