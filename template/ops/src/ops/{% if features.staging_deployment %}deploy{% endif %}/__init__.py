"""Deploy the project's ECS services: names, image tags, task definition revisions,
deployment records and CloudFormation parameters. `ecs-deploy` is
the command line over these modules."""
