"""The project's tests: unit, integration and end-to-end."""
