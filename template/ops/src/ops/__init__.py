"""The project's ops tooling: one package next to the services.

- ``evolution``: when to climb the maturity ladder, and each level's checklist;
- ``generators``: tests, API docs and deployment files from the code;
- ``deploy``: ECS deploys, migrations, blue/green and records (level 2 and up);
- ``monitoring``: health checks, DORA metrics and the deployment dashboard;
- ``analytics``: A/B test significance;
- ``project``: this project's answers and level, read from its files.
"""
