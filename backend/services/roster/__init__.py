"""The bureau's roster import: the use cases, the file, the staging table, the apply, the jobs."""
