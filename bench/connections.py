"""How wrk's connections landed on a server's gunicorn workers.

gunicorn's workers share one listening socket, and whichever wakes first accepts: wrk opens
its 8 keep-alive connections at once, and in about half the runs one worker took all of
them, so one process (one GIL, one core) served the whole run while the other idled. Those
runs gave half the requests a second for the same page, Halo's and the reference's alike
(bench/README.md, "Where wrk's connections land"). run.py reads the split of every measured
run and starts a run again (up to ATTEMPTS times in all) while a worker has none, so each
ratio compares two servers that used every worker.
"""
import os
import time

ATTEMPTS = 8  # about half the starts leave a worker idle: 8 tries fail together 1 time in 256


def worker_pids(master_pid: int) -> list[int]:
    with open(f"/proc/{master_pid}/task/{master_pid}/children") as f:
        return [int(p) for p in f.read().split()]


def split(master_pid: int, port: int, expected: int, wait: float = 2.0) -> list[int]:
    """Established connections to port that each worker holds, once expected of them are
    open (or after wait seconds): the workers' socket inodes matched in /proc/net/tcp."""
    deadline = time.monotonic() + wait
    while True:
        counts = [len(_sockets(pid) & _established(port)) for pid in worker_pids(master_pid)]
        if sum(counts) >= expected or time.monotonic() > deadline:
            return sorted(counts)
        time.sleep(0.05)


def lopsided(counts: list[int]) -> bool:
    """A worker of several holds none of the connections."""
    return len(counts) > 1 and sum(counts) > 0 and min(counts) == 0


def _established(port: int) -> set[str]:
    suffix, inodes = f":{port:04X}", set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if fields[1].endswith(suffix) and fields[3] == "01":  # local port, ESTABLISHED
                inodes.add(fields[9])
    return inodes


def _sockets(pid: int) -> set[str]:
    inodes, fds = set(), f"/proc/{pid}/fd"
    for fd in os.listdir(fds):
        try:
            link = os.readlink(os.path.join(fds, fd))
        except OSError:  # closed meanwhile
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    return inodes
