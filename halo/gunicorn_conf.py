"""gunicorn settings shared by `halo serve` and the benchmarks."""
graceful_timeout = 5
# WebSockets hold a thread each; a long keepalive keeps agents' pages snappy.
keepalive = 30
