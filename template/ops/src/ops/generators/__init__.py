"""Generators behind scripts/generators/generate-{tests,docs,deployment}.py.

- ``testgen``: property-based tests (Hypothesis) for a module's public functions;
- ``docgen``: the API reference in docs/api/ from the OpenAPI schema and docstrings;
- ``deploygen``: ECS task definitions and env files per environment.
"""
