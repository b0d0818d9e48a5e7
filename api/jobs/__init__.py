"""Jobs: ingesting files and rescoring, run by worker threads inside `iqs serve` (embedded) or
by Celery workers (`iqs worker`). One task code for both: `api.jobs.tasks.run_job`."""
