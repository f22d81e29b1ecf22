#!/usr/bin/env python3
"""nemesis_check.py — the nemesis suite's judge (tests/nemesis/nemesis.sh).

Reads what the broker says (fedsoarctl stats/runs/approvals/audit export,
saved by the script) and what the sites hold (their record-only actuator's
record file, STATE_DIR/record-only.jsonl) and proves, after the faults:
  1. every acknowledged event stored exactly once (per site: stored ==
     sent - dead-lettered, none counted twice, backlog 0);
  2. every run ended exactly once (completed, failed or timed out: one
     terminal run.status audit entry per run, none still running/waiting);
  3. no command executed twice at a site (a command_id at most once in the
     record file) and every command the broker says answered was executed;
  4. no approval lost (every vote the approver was told was recorded is in
     the broker's approvals);
  5. the audit chain verifies (the script's fedsoarctl audit verify exit).
Prints TAP-like lines; exits 1 when one fails."""
import argparse, collections, json, os, sys

TERMINAL = {"completed", "failed", "denied", "timed_out", "cancelled"}  # not running, not waiting
fails = 0


def check(ok, what):
    global fails
    print(("ok - " if ok else "not ok - ") + what)
    if not ok:
        fails += 1


def load(path):
    with open(path) as f:
        return json.load(f)


ap = argparse.ArgumentParser()
ap.add_argument("--dir", required=True, help="where the script saved the broker's answers")
ap.add_argument("--site", action="append", default=[], help="NAME:STATE_DIR:SENT")
ap.add_argument("--audit-verify-rc", type=int, required=True)
a = ap.parse_args()
d = a.dir
stats = load(f"{d}/stats.json")
sites = load(f"{d}/sites.json")
runs = load(f"{d}/runs.json")
approvals = load(f"{d}/approvals.json")
audit = [json.loads(l) for l in open(f"{d}/audit.jsonl") if l.strip()]

# 1. events
per_site = stats.get("events", {}).get("per_site", {})
total_expected = 0
for spec in a.site:
    name, state, sent = spec.split(":")
    sent = int(sent)
    dead = int((sites.get(name) or {}).get("dead_letters") or 0)
    expected = sent - dead
    total_expected += expected
    got = int(per_site.get(name, 0))
    check(got == expected, f"{name}: {got} events stored, {sent} sent - {dead} dead-lettered = {expected}: each once")
    check((sites.get(name) or {}).get("outbox_backlog") == 0, f"{name}: outbox backlog 0 (everything acknowledged)")
check(int(stats.get("events", {}).get("total", -1)) == total_expected,
      f"broker total {stats.get('events', {}).get('total')} == {total_expected}")

# 2. runs
check(len(runs) > 0, f"{len(runs)} runs to judge")
stuck = [r for r in runs if r.get("status") not in TERMINAL]
check(not stuck, "every run ended (completed, failed, timed out): "
      + (", ".join(f"run {r.get('id')} {r.get('status')}" for r in stuck[:10]) or "none stuck"))
ends = collections.Counter()
for e in audit:
    if e.get("kind") == "run.status" and (e.get("details") or {}).get("to") in TERMINAL:
        ends[(e.get("subject") or {}).get("run_id")] += 1
twice = {k: v for k, v in ends.items() if v != 1}
check(not twice, f"each run ended exactly once in the audit log ({len(ends)} ends"
      + (f"; more than once: {dict(list(twice.items())[:10])})" if twice else ")"))
missing = [r.get("id") for r in runs if r.get("status") in TERMINAL and ends.get(r.get("id"), 0) == 0]
check(not missing, f"every ended run has its end in the audit log (missing: {missing[:10]})")
by_status = collections.Counter(r.get("status") for r in runs)
print(f"# runs by status: {dict(by_status)}")
why = collections.Counter(str(r.get("error"))[:160] for r in runs if r.get("status") != "completed")
for text, n in why.most_common(5):
    print(f"#   {n} not completed: {text}")

# 3. commands at the sites
executed_total = 0
for spec in a.site:
    name, state, _ = spec.split(":")
    path = os.path.join(state, "record-only.jsonl")
    ids = []
    if os.path.exists(path):
        for number, line in enumerate(open(path), 1):
            line = line.strip()
            if not line:
                continue
            try:
                ids.append((json.loads(line).get("command") or {}).get("command_id"))
            except ValueError as err:
                # a torn record (half a line left by a failed write) is a finding, not a crash
                check(False, f"{name}: {path} line {number} is not one JSON record: {err}")
    c = collections.Counter(ids)
    dup = {k: v for k, v in c.items() if v > 1}
    executed_total += len(ids)
    check(not dup, f"{name}: {len(ids)} commands executed, none twice" + (f" (twice: {dup})" if dup else ""))
cmds = stats.get("commands", {})
check(cmds.get("pending") == 0, f"no command left pending at the broker ({cmds})")
check(executed_total <= int(cmds.get("total", 0)), f"no site executed more commands ({executed_total}) than the broker issued ({cmds.get('total')})")

# 4. approvals
votes_told = []
if os.path.exists(f"{d}/votes.log"):
    for line in open(f"{d}/votes.log"):
        parts = line.split()
        if len(parts) == 2:
            votes_told.append((int(parts[0]), parts[1]))
held = {}
for ap_ in approvals:
    held[int(ap_.get("id"))] = {v.get("operator") for v in ap_.get("votes") or []}
lost = [(i, op) for i, op in votes_told if op not in held.get(i, set())]
check(not lost, f"{len(votes_told)} approval votes acknowledged to the approver, none lost" + (f" (lost: {lost[:10]})" if lost else ""))
open_left = [x.get("id") for x in approvals if x.get("status") == "open"]
check(not open_left, f"no approval left open ({open_left[:10]})")

# 5. audit
check(a.audit_verify_rc == 0, "the audit chain verifies (fedsoarctl audit verify)")
print(f"# checker: {fails} failed")
sys.exit(1 if fails else 0)
