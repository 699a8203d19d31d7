"""Run Halo on a free port in its own process (the fan-out and crash tests start them); prints the URL."""
import sys

from werkzeug.serving import make_server

from halo import create_app

if __name__ == "__main__":
    app = create_app()
    bus = app.extensions["halo_bus"]
    if hasattr(bus, "wait_ready"):  # the Redis bus: listening before the URL is printed
        bus.wait_ready()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    print(f"http://127.0.0.1:{server.server_port}", flush=True)
    sys.stdout.close()
    server.serve_forever()
