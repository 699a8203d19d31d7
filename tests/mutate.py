"""Mutation run over the core rules (`make mutate`): mutmut, outside the normal suite.

Each group below is one mutmut run in its own copy of the tree (test-artifacts/mutate/<group>/),
mutating only its modules and running only the test files that are about them; mutmut then
runs, for each mutant, only those of the tests that reach the mutated function. The summary
goes to stdout and test-artifacts/mutate/summary.md; the surviving mutants' diffs go to
test-artifacts/mutate/<group>/survivors.diff for judging (tests/README.md records the verdicts).

    .venv-mutate/bin/python tests/mutate.py [GROUP ...]     (make mutate does this)
"""
import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "test-artifacts" / "mutate"

GROUPS = {
    "tickets": (["halo/services/tickets/status.py", "halo/services/tickets/merge.py",
                 "halo/services/tickets/snooze.py"],
                ["tests/services/test_status.py", "tests/services/test_snooze.py",
                 "tests/services/test_merge.py", "tests/web/test_snooze_web.py",
                 "tests/web/test_merge_web.py"]),
    "threading": (["halo/services/email/threads.py", "halo/mail/reply.py"],
                  ["tests/mail/test_reply.py", "tests/services/test_email_threads.py",
                   "tests/services/test_email_ingest.py",
                   "tests/services/test_email_outbound.py", "tests/integration/test_email_roundtrip.py"]),
    "chat": (["halo/services/chat/visitors.py", "halo/services/chat/tokens.py",
              "halo/services/chat/blocking.py"],
             ["tests/services/test_chat_visitors.py", "tests/services/test_chat_blocking.py",
              "tests/integration/test_chat_protocol.py",
              "tests/services/test_chat_handoff.py",
              "tests/services/test_ai_chat.py"]),
    "conversation": (["halo/services/tickets/conversation.py", "halo/services/chat/messages.py",
                      "halo/services/events.py"],
                     ["tests/services/test_events.py", "tests/services/test_chat_messages.py",
                      "tests/web/test_agent_socket.py", "tests/services/test_assignment.py",
                      "tests/services/test_chat_handoff.py", "tests/services/test_email_ingest.py",
                      "tests/services/test_status.py", "tests/integration/test_chat_protocol.py",
                      "tests/integration/test_chat_faults.py",
                      "tests/integration/test_chat_flapping.py"]),
    "guard": (["halo/services/ai/guard.py"],
              ["tests/services/test_ai_guard.py", "tests/services/test_ai_injection.py"]),
}
COPY = ["halo", "tests", "wsgi.py", "pytest.ini"]


def setup_cfg(modules: list[str], tests: list[str]) -> str:
    lines = ["[mutmut]", "source_paths = halo", "also_copy =", "    wsgi.py", "    pytest.ini",
             "only_mutate ="] + [f"    {m}" for m in modules]
    lines += ["pytest_add_cli_args_test_selection ="] + [f"    {t}" for t in tests]
    # -x: one failing test kills the mutant, no need to run the rest of its tests.
    lines += ["pytest_add_cli_args =", "    -x", "    -q", "    -p", "    no:cacheprovider", ""]
    return "\n".join(lines)


def prepare(group: str) -> Path:
    """A fresh copy of the tree with the group's mutmut configuration."""
    work = OUT / group
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in COPY:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, work / name, ignore=ignore)
        else:
            shutil.copy2(source, work / name)
    modules, tests = GROUPS[group]
    (work / "setup.cfg").write_text(setup_cfg(modules, tests))
    return work


def _env() -> dict:
    # The selected tests need no peer but the local servers they start. No Redis either:
    # mutmut runs two mutants at once, and the RQ tests empty the test Redis's queue, so two
    # of them at once would fail each other (start_sweeper is tested in test_rq_worker.py).
    return {k: v for k, v in os.environ.items()
            if k not in ("HALO_TEST_REQUIRE_PEERS", "HALO_TEST_REDIS_URL")}


def mutmut(work: Path, *args: str) -> str:
    return subprocess.run([str(Path(sys.executable).parent / "mutmut"), *args], cwd=work, env=_env(),
                          capture_output=True, text=True).stdout


def run_group(group: str) -> dict:
    work = prepare(group)
    with open(work / "run.log", "w") as log:  # mutmut's progress spinner, kept out of the summary
        subprocess.run([str(Path(sys.executable).parent / "mutmut"), "run"], cwd=work, env=_env(),
                       stdout=log, stderr=subprocess.STDOUT)
    listing = mutmut(work, "results", "--all", "true")
    states: dict[str, list[str]] = {}
    for line in listing.splitlines():
        match = re.match(r"\s*(\S+): (.+)$", line)
        if match:
            states.setdefault(match.group(2).strip(), []).append(match.group(1))
    with ThreadPoolExecutor(4) as pool:  # one `mutmut show` process per survivor
        diffs = pool.map(lambda name: mutmut(work, "show", name), states.get("survived", []))
        (work / "survivors.diff").write_text("\n".join(diffs))
    return {state: len(names) for state, names in states.items()} | {"_survivors": states.get("survived", [])}


def summary() -> str:
    """A table of every group's latest result, and the score over them."""
    rows = ["| group | modules | mutants | killed | survived | other |", "|---|---|---:|---:|---:|---|"]
    totals = {"mutants": 0, "killed": 0}
    for group, (modules, _) in GROUPS.items():
        result = OUT / group / "result.json"
        if not result.exists():
            continue
        counts = json.loads(result.read_text())
        total = sum(counts.values())
        killed, survived = counts.get("killed", 0), counts.get("survived", 0)
        other = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()) if k not in ("killed", "survived"))
        rows.append(f"| {group} | {', '.join(Path(m).name for m in modules)} | {total} | {killed} | "
                    f"{survived} | {other} |")
        totals["mutants"] += total
        totals["killed"] += killed
    if totals["mutants"]:
        rows.append(f"\nScore: {totals['killed']} of {totals['mutants']} mutants killed "
                    f"({100 * totals['killed'] / totals['mutants']:.1f}%).")
    return "\n".join(rows) + "\n"


def main(groups: list[str]) -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for group in groups or list(GROUPS):
        counts = run_group(group)
        survivors = counts.pop("_survivors")
        (OUT / group / "result.json").write_text(json.dumps(counts))
        print(f"{group}: {counts}", flush=True)
        for name in survivors:
            print(f"  survived: {name}")
    table = summary()
    (OUT / "summary.md").write_text(table)
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
