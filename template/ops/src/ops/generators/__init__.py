"""Generators behind scripts/generators/generate-{tests,docs,deployment}.py.

- ``testgen``: property-based tests (Hypothesis) for a module's public functions;
- ``docgen``: docs/api/openapi.json, the market-data OpenAPI schema;
- ``deploygen``: the services' env files per environment, every value checked.
"""
