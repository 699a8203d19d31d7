"""Worst cases of the mail parser and the reply splitter, timed (moved out of the tests).

- reply: `visible_reply` of 2,000 deeply quoted lines, 5,000 "On " and a 200,000-character
  line (a pattern that backtracks would take minutes here); aim: under 2 s.
- parse: `parse_email` of a 25 MB base64 attachment (35 MB of message); aim: under 30 s.
  Its memory (Python allocations during the call, tracemalloc) is checked by
  tests/mail/test_parse.py; the figure is printed here beside the time.
- parts: `parse_email` of a mail of 10,000 one-byte attachments (issue 12: such a mail
  made every view of its ticket take 4.6 s); the files it yields are printed beside the
  time (the first HALO_MAX_ATTACHMENT_FILES, 100; the rest counted); aim: under 10 s.

    .venv/bin/python bench/mail_parse_bench.py --rounds 5

Median and worst of the rounds; exits 1 when a median misses its aim.
"""
import argparse
import os
import statistics
import sys
import time
import tracemalloc
from base64 import encodebytes

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from halo.mail.parse import parse_email  # noqa: E402
from halo.mail.reply import visible_reply  # noqa: E402

AIMS = {"reply": 2.0, "parse": 30.0, "parts": 10.0}


def pathological_reply() -> str:
    return ("> " * 50 + "x\n") * 2000 + "On " * 5000 + "\n" + ("a" * 200_000)


def big_message() -> bytes:
    payload = b"\x00\x01binary" * (25 * 1024 * 1024 // 8)
    return (b"From: big@example.com\nSubject: big\nMIME-Version: 1.0\n"
            b'Content-Type: multipart/mixed; boundary="x"\n\n--x\nContent-Type: text/plain\n\n'
            b"see file\n--x\nContent-Type: application/octet-stream; name=big.bin\n"
            b"Content-Transfer-Encoding: base64\n\n" + encodebytes(payload) + b"--x--\n")


def many_parts(n: int = 10_000) -> bytes:
    parts = "".join('--b\nContent-Type: application/octet-stream; name="f%d.bin"\n\nx\n' % i
                    for i in range(n))
    return ("From: a@example.com\nSubject: many\nContent-Type: multipart/mixed; boundary=b\n\n"
            "--b\nContent-Type: text/plain\n\nSee the files.\n" + parts + "--b--\n").encode()


def timed(fn, arg, rounds):
    runs = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn(arg)
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), max(runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    text, data, parts = pathological_reply(), big_message(), many_parts()
    tracemalloc.start()
    parse_email(data)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    missed = 0
    print("| case | median s | worst s | aim s |\n|---|---:|---:|---:|")
    for name, fn, arg in (("reply", visible_reply, text), ("parse", parse_email, data),
                          ("parts", parse_email, parts)):
        median, worst = timed(fn, arg, args.rounds)
        missed += median >= AIMS[name]
        print(f"| {name} | {median:.3f} | {worst:.3f} | {AIMS[name]:.0f} |")
    print(f"parts: {len(parse_email(parts).attachments):,} files made of 10,000 parts")
    print(f"parse peak (tracemalloc): {peak / 1e6:.0f} MB, {peak / len(data):.1f}x the {len(data) / 1e6:.0f} MB message")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
