"""gunicorn settings shared by `halo serve` and the benchmarks."""
graceful_timeout = 5
# WebSockets hold a thread each; a long keepalive keeps agents' pages snappy.
keepalive = 30
# gunicorn 27's control socket lives at one fixed path per user: two Halo servers (or a
# server and a benchmark) on one host would fight over it, and Halo does not use it.
control_socket_disable = True


def post_worker_init(worker):
    """Embedded mode (`halo serve`): the worker also runs the SMTP receiver, once."""
    import os
    if os.environ.get("HALO_EMBEDDED_MAIL") == "1":
        from halo.smtp_receiver import start_embedded
        start_embedded(worker.wsgi)
