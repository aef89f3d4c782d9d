"""Deploy the project's ECS services: names, image tags, task definition revisions,
deployment records and CloudFormation parameters. `scripts/deploy/ecs_deploy.py` is
the command line over these modules."""
