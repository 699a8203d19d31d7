"""`make` refuses a Python older than 3.11 in one line, before making a virtualenv."""
import glob
import os
import pathlib
import stat
import subprocess

ROOT = pathlib.Path(__file__).parents[2]


def old_python(tmp_path) -> str:
    """A Python older than 3.11: a real one when the machine has it (pyenv), else a stand-in
    that answers the way one does (the version check exits 1, -V prints its version)."""
    real = sorted(glob.glob("/root/.pyenv/versions/3.10*/bin/python3") + glob.glob("/usr/bin/python3.[0-9]"))
    if real:
        return real[0]
    fake = tmp_path / "python3.9"
    fake.write_text('#!/bin/sh\nif [ "$1" = "-V" ]; then echo "Python 3.9.18"; exit 0; fi\nexit 1\n')
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    return str(fake)


def make_install(python: str, venv: pathlib.Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    return subprocess.run(["make", "-s", "install", f"PYTHON={python}", f"VENV={venv}"], cwd=ROOT,
                          capture_output=True, text=True, env=env, timeout=120)


def test_an_old_python_is_refused_in_one_line_and_no_venv_is_made(tmp_path):
    venv = tmp_path / "venv"
    run = make_install(old_python(tmp_path), venv)
    assert run.returncode != 0
    refusal = [line for line in run.stderr.splitlines() if not line.startswith("make")]
    assert len(refusal) == 1 and refusal[0].startswith("Halo needs Python 3.11 or newer;")
    assert "Run: make PYTHON=python3.11" in refusal[0] and " is Python 3." in refusal[0]
    assert run.stdout == "" and not venv.exists()


def test_a_venv_left_by_an_old_python_is_not_reused(tmp_path):
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    # What a failed `make` with an old Python left behind: its interpreter in the venv.
    os.symlink(old_python(tmp_path), venv / "bin" / "python")
    run = make_install(old_python(tmp_path), venv)
    assert "Removing" in run.stdout and "made with a Python older than 3.11" in run.stdout
    assert run.returncode != 0 and "Halo needs Python 3.11 or newer" in run.stderr
    assert not venv.exists()
