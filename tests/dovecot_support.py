"""A real dovecot for IMAP tests, started in a temporary folder on a free port.

`start_dovecot(extra=..., files=...)` adds configuration (the OAuth 2.0 passdb, say) to the
base one, which signs in support@acme.test with the password imap-secret.
"""
import grp
import imaplib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from tests.email_support import free_port

DOVECOT = shutil.which("dovecot") or ("/usr/sbin/dovecot" if os.path.exists("/usr/sbin/dovecot") else None)
SKIP_REASON = "dovecot is not installed (apt install dovecot-imapd)"

CONFIG = """
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login{mechanisms}
default_login_user = {login_user}
default_internal_user = {user}
default_internal_group = {group}
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:{d}/mail/%u
service imap-login {{
  chroot =
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service stats {{
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={d}/home/%u
}}
{extra}
"""


def _accounts():
    """Users to run as: oneself, or (as root, which dovecot refuses) its own system users."""
    if os.getuid() != 0:
        me = pwd.getpwuid(os.getuid()).pw_name
        return me, me, os.getuid(), os.getgid()
    login = "dovenull" if _exists("dovenull") else "nobody"
    internal = pwd.getpwnam("dovecot" if _exists("dovecot") else "nobody")
    return login, internal.pw_name, internal.pw_uid, internal.pw_gid


def _exists(name):
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


@contextmanager
def start_dovecot(extra: str = "", mechanisms: str = "", files: dict | None = None):
    """Run dovecot until the block ends; yields its IMAP port."""
    # Not under pytest's tmp_path: as root that is 0700, and dovecot's users must get in.
    d = Path(tempfile.mkdtemp(prefix="halo-dovecot-"))
    os.chmod(d, 0o755)
    for sub in ("run", "state", "mail", "home"):
        (d / sub).mkdir(parents=True)
    port = free_port()
    login_user, user, uid, gid = _accounts()
    (d / "passwd").write_text("support@acme.test:{PLAIN}imap-secret\n")
    for name, text in (files or {}).items():
        (d / name).write_text(text.format(d=d))
    (d / "dovecot.conf").write_text(CONFIG.format(
        d=d, port=port, uid=uid, gid=gid, user=user, login_user=login_user,
        group=grp.getgrgid(gid).gr_name, extra=extra.format(d=d), mechanisms=mechanisms))
    for sub in ("mail", "home", "state"):
        os.chown(d / sub, uid, gid)
    # The daemon keeps inherited pipes open: its output goes to a file, not to a pipe.
    with open(d / "start.log", "w") as log:
        proc = subprocess.run([DOVECOT, "-c", str(d / "dovecot.conf")], stdout=log, stderr=log,
                              stdin=subprocess.DEVNULL, timeout=30)
    assert proc.returncode == 0, (d / "start.log").read_text()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # wait for the real server to listen
        try:
            imaplib.IMAP4("127.0.0.1", port, timeout=5).logout()
            break
        except OSError:
            time.sleep(0.05)
    try:
        yield port
    finally:
        subprocess.run([DOVECOT, "-c", str(d / "dovecot.conf"), "stop"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, timeout=30)
        shutil.rmtree(d, ignore_errors=True)


def append(port, raw, seen=False):
    """Put a message into support@acme.test's INBOX over IMAP (password login)."""
    imap = imaplib.IMAP4("127.0.0.1", port, timeout=10)
    imap.login("support@acme.test", "imap-secret")
    imap.append("INBOX", "(\\Seen)" if seen else None, None, raw)
    imap.logout()
