"""The evolution toolkit: when to climb the maturity ladder, and what each level needs.

- ``triggers``: the trigger language of config/evolution.yml and config/feature-flags.yml
  (a small parser and a three-valued evaluator that also writes a trigger in plain
  words, each condition with the value it reads now, in the phrases of metrics.yml);
- ``metrics``: what the repository itself tells (git history, tags, tests, coverage,
  workflows) and the figures only the owner knows (``metrics:`` in config/evolution.yml);
- ``detector``: the report behind ``scripts/evolution_detector.py``;
- ``checklist``: the per-level checklist behind ``scripts/generate-checklist.sh``.
"""
