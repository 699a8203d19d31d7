"""What operators see: readiness checks, metrics, the version and the start banner.

Nothing here changes data; every function reads the database, Redis, the job queue or
the disk and returns plain values for the ops blueprint, the CLI and the logs.
"""
