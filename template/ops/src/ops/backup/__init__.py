"""Backups of the services' database: the local SQLite file (sqlite.py, `db-backup`)
and, from level 2 on, snapshots of the RDS instance (rds.py, `rds-backup`)."""
