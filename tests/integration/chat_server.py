"""Run Halo on a free port in its own process (the fan-out test starts two); prints the URL."""
import sys

from werkzeug.serving import make_server

from halo import create_app

if __name__ == "__main__":
    app = create_app()
    with app.app_context():
        app.extensions["halo_bus"].wait_ready()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    print(f"http://127.0.0.1:{server.server_port}", flush=True)
    sys.stdout.close()
    server.serve_forever()
