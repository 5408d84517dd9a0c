"""gunicorn settings used by ``examserver serve`` and the Dockerfile."""
import multiprocessing
import os

workers = int(os.environ.get("GUNICORN_WORKERS", max(2, multiprocessing.cpu_count() * 2)))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", 4))
timeout = 30
graceful_timeout = 20
keepalive = 5
accesslog = "-"
errorlog = "-"
# The deadline sweep runs inside every worker on a timer; a database lock makes
# sure only one of them works at a time (see examserver/exam/sweep).


def post_worker_init(worker):
    """Start this worker's deadline sweep thread (examserver/exam/sweep)."""
    from examserver.exam.sweep import start_background_sweep

    start_background_sweep(worker.wsgi)
