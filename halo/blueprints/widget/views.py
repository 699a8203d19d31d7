"""The widget script and alias avatars: public, cacheable, never a page of Halo's own."""
import os

from flask import abort, current_app, send_from_directory

from halo.blueprints.access import public
from halo.blueprints.widget import bp
from halo.services.accounts.aliases import AVATAR_NAME, avatar_dir


@bp.get("/widget.js")
@public
def script():
    response = send_from_directory(os.path.join(current_app.root_path, "static"), "widget.js",
                                   mimetype="text/javascript", max_age=300)
    # Any site may load the script; what it may do is decided by /ws/widget's Origin check.
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/avatars/<name>")
@public
def avatar(name: str):
    if not AVATAR_NAME.match(name):
        abort(404)
    response = send_from_directory(avatar_dir(), name, max_age=86400)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response
