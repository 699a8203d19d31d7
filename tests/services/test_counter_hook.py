"""The sidebar counters depend on a flush hook that must be live in every process."""
import subprocess
import sys

CHECK = """
import sys
from halo import create_app
create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
# Importing the module is what installs its before_flush listener.
print("halo.services.inbox.counters" in sys.modules)
"""


def test_create_app_alone_installs_the_counter_hook():
    # A fresh interpreter: in this one, some test module has already imported counters.
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "True"
