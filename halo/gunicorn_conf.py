"""gunicorn settings shared by `halo serve` and the benchmarks."""
import os

from halo.logs import gunicorn_logconfig

graceful_timeout = 5
# WebSockets hold a thread each; a long keepalive keeps agents' pages snappy.
keepalive = 30
# gunicorn 27's control socket lives at one fixed path per user: two Halo servers (or a
# server and a benchmark) on one host would fight over it, and Halo does not use it.
control_socket_disable = True
# The access log carries the request id (X-Request-ID, sent back on every response), and
# both gunicorn logs follow HALO_LOG_FORMAT / HALO_LOG_LEVEL like the app's.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s" id=%({x-request-id}o)s'
logconfig_dict = gunicorn_logconfig(os.environ.get("HALO_LOG_LEVEL", "INFO"),
                                    os.environ.get("HALO_LOG_FORMAT", "text"))


def post_worker_init(worker):
    """Embedded mode (`halo serve`): the worker also runs the SMTP receiver and the schedule."""
    from halo import schedule
    from halo.smtp_receiver import start_embedded
    if os.environ.get("HALO_EMBEDDED_MAIL") == "1":
        start_embedded(worker.wsgi)
    # Every worker process starts a runner; the schedule's lease lets one of them work.
    worker.halo_schedule = schedule.start_embedded(worker.wsgi)
    worker.log.info("Worker %s ready: Halo is loaded", worker.pid)


def child_exit(server, worker):
    """A worker process ended (in the master): its open-socket gauges stop counting."""
    from halo.services.ops.metrics import worker_exited
    worker_exited(worker.pid)


def worker_exit(server, worker):
    """Give the schedule's lease up on the way out: another worker takes over at once."""
    runner = getattr(worker, "halo_schedule", None)
    if runner is not None:
        runner.stop()
