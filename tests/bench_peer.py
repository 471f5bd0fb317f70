"""Benchmark kmstui against its peer, iam-simulate, on the golden corpus: prints figures, asserts nothing.

    python tests/bench_peer.py

In one run, on the golden scenarios iam-simulate can express, per decision: kmstui's fast path
(decide) and explaining path (evaluate) with policies pre-parsed, against the core engine of
`@cloud-copilot/iam-simulate` (Node) with policies loaded beforehand; and parse + evaluate from JSON
text, against iam-simulate's `runSimulation`. Three rounds, each timing the peer (a new node process)
and then kmstui, every figure the best of 5 sweeps over the scenarios: each figure is the min and
median over the rounds, and each ratio compares the two engines within a round (worst round and
median), so that a shared machine's drifting speed weighs on both sides of a ratio alike.

The peer is installed, pinned, with `npm install --prefix` into $XDG_CACHE_HOME/kmstui-bench/peer
(~/.cache/kmstui-bench/peer); it is not part of this repository (AGPL-3.0) and is only called by
tests/peer/iam_simulate_driver.mjs. Without node and npm, or when the install fails, the peer is
skipped with a line saying so.

Translated: a key policy (as the resource policy), identity policies, permissions boundary, session
policy, SCP and RCP levels, VPC endpoint policies, and the request context as kmstui used it (given
and derived keys, so both engines see the same values). Left out: scenarios with grants, AWS
managed keys, multi-part requests (aliases, ReEncrypt), keys named by id or alias, the permissions
reference's cross-account column (an action not usable from another account), KMS's own refusals,
and whatever iam-simulate rejects. Where both engines answered, their Allowed / not Allowed are
compared and the disagreements counted (listed, not failed on).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_engine import kmstui_timings, policy_texts, request_of  # noqa: E402
from test_corpus import NOW, SCENARIOS  # noqa: E402

from kmstui import PolicySet, RequestError, evaluate  # noqa: E402
from kmstui.reference.model import load_reference  # noqa: E402

PEER_PACKAGE = "@cloud-copilot/iam-simulate"
PEER_VERSION = "0.1.173"  # the newest on npm when this script was written; change deliberately
DRIVER = Path(__file__).with_name("peer") / "iam_simulate_driver.mjs"
TRANSLATED_POLICIES = ("key_policy", "identity", "boundary", "session", "scps", "rcps", "vpc_endpoint")


def peer_folder() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "kmstui-bench" / "peer"


def installed_version(folder: Path) -> str | None:
    manifest = folder / "node_modules" / "@cloud-copilot" / "iam-simulate" / "package.json"
    try:
        return json.loads(manifest.read_text(encoding="utf-8")).get("version")
    except (OSError, ValueError):
        return None


def install_peer() -> Path | None:
    """The peer's npm prefix, installing it there first when needed; None (with a line) to skip it."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        print(f"peer: skipped: {'node' if not node else 'npm'} is not on PATH")
        return None
    folder = peer_folder()
    if installed_version(folder) == PEER_VERSION:
        print(f"peer: using {PEER_PACKAGE}@{PEER_VERSION} installed in {folder} (npm, AGPL-3.0, not part of kmstui)")
        return folder
    print(f"peer: installing {PEER_PACKAGE}@{PEER_VERSION} from npm into {folder} "
          f"(npm install --prefix; AGPL-3.0, not part of kmstui) ...", flush=True)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        done = subprocess.run([npm, "install", "--prefix", str(folder), "--no-audit", "--no-fund", "--save-exact",
                               f"{PEER_PACKAGE}@{PEER_VERSION}"], capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as error:
        print(f"peer: skipped: npm install failed ({error})")
        return None
    if done.returncode != 0 or installed_version(folder) != PEER_VERSION:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        print(f"peer: skipped: npm install failed (exit {done.returncode}: {last})")
        return None
    print(f"peer: installed {PEER_PACKAGE}@{PEER_VERSION}")
    return folder


def account_of(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[4] or None if len(parts) > 5 and parts[0] == "arn" else None


def translate(scenario: dict) -> tuple[dict | None, str]:
    """(the scenario as iam-simulate's driver takes it, "") or (None, why it is left out)."""
    request, policies = scenario["request"], scenario["policies"]
    if policies.get("grants"):
        return None, "grants"
    metadata = policies.get("key_metadata")
    if isinstance(metadata, dict) and metadata.get("KeyManager") == "AWS":
        return None, "AWS managed key"
    resource = request["resource"]
    if isinstance(resource, list):
        return None, "multi-part request (aliases, ReEncrypt)"
    if ":alias/" in resource or resource.startswith("alias/"):
        return None, "multi-part request (aliases, ReEncrypt)"
    if resource != "*" and not (resource.startswith("arn:") and ":key/" in resource):
        return None, "key named by id"
    if isinstance(policies.get("key_policy"), dict) and "Statement" not in policies["key_policy"]:
        return None, "policies per key"
    key_account = request.get("resource_account") if resource == "*" else account_of(resource)
    caller_account = account_of(request["principal"])
    action = load_reference().action(request["action"])
    if action is None:
        return None, "not a KMS action"
    if caller_account and key_account and caller_account != key_account and action.cross_account != "yes":
        return None, "cross-account column"
    try:
        decision = evaluate(request_of(scenario), PolicySet(**{k: v for k, v in policies.items() if v is not None}), now=NOW)
    except RequestError:
        return None, "cannot be decided"
    if len(decision.parts) > 1:
        return None, "multi-part request (aliases, ReEncrypt)"
    if decision.rejected or decision.decided_by == "cross-account":
        return None, "KMS refusal" if decision.rejected else "cross-account column"
    context = {entry.key: list(entry.values) if len(entry.values) != 1 else entry.values[0] for entry in decision.trace.context}
    return {
        "id": scenario["id"],
        "principal": request["principal"],
        "action": action.name,
        "resource": resource,
        "accountId": key_account or caller_account or "",
        "context": context,
        "given": sorted(request.get("context") or {}),
        "policies": {name: policies.get(name) for name in TRANSLATED_POLICIES},
        "kmstui_allowed": decision.allowed,
    }, ""


def us(pair: list[float]) -> str:
    return f"min {pair[0] * 1e6:.1f} µs, median {pair[1] * 1e6:.1f} µs"


ROUNDS = 3


def main() -> None:
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    translated, left_out = [], {}
    for scenario in SCENARIOS:
        found, why = translate(scenario)
        if found is None:
            left_out[why] = left_out.get(why, 0) + 1
        else:
            translated.append(found)
    reasons = ", ".join(f"{why} {count}" for why, count in sorted(left_out.items(), key=lambda kv: -kv[1]))
    print(f"scenarios: {len(translated)} of {len(SCENARIOS)} translated for iam-simulate; left out: {reasons}")

    peer = install_peer()
    folder = tempfile.TemporaryDirectory()
    path = Path(folder.name) / "scenarios.json"
    path.write_text(json.dumps(translated), encoding="utf-8")
    outcome = run_driver(peer, path, 1) if peer is not None else None

    if outcome is not None:
        print(f"peer: {PEER_PACKAGE}@{outcome['version']} on Node {outcome['node']}; "
              f"accepted {outcome['accepted']} of {len(translated)}")
        if outcome["rejected"]:
            kinds: dict[str, int] = {}
            for entry in outcome["rejected"]:
                kinds[entry["message"]] = kinds.get(entry["message"], 0) + 1
            counts = ", ".join(f"{m} {c}" for m, c in sorted(kinds.items(), key=lambda kv: -kv[1]))
            print(f"peer: rejected by runSimulation: {counts} (first: {', '.join(e['id'] for e in outcome['rejected'][:5])})")
        if outcome["core_mismatch"]:
            print(f"peer: core engine and runSimulation differ on {len(outcome['core_mismatch'])}: "
                  + ", ".join(e["id"] for e in outcome["core_mismatch"][:5]))
        results = outcome["results"]
        timed = [s for s in translated if s["id"] in results]
        disagree = [s["id"] for s in timed if s["kmstui_allowed"] != (results[s["id"]] == "Allowed")]
        print(f"agreement (Allowed / not Allowed): {len(timed) - len(disagree)} of {len(timed)} agree, "
              f"{len(disagree)} disagree" + (f" (first: {', '.join(disagree[:8])})" if disagree else ""))
        given = {s["id"]: {k.lower() for k in s["given"]} for s in timed}
        dropped = [i for i in disagree if given[i] & {k.lower() for k in outcome["ignored_context_keys"].get(i, ())}]
        if disagree:
            print(f"  of which {len(dropped)} where iam-simulate ignored a context key the scenario gives "
                  "(it does not know that key for the action)")
    else:
        timed = translated
    wanted = {s["id"] for s in timed}
    chosen = [s for s in SCENARIOS if s["id"] in wanted]

    requests = [request_of(s) for s in chosen]
    texts = [policy_texts(s) for s in chosen]
    # Rounds: the peer, then kmstui, three times over, so that both engines of a round meet the same
    # moment of a shared machine whose speed drifts; each ratio compares the figures of one round.
    rounds: list[dict[str, float]] = []
    for number in range(ROUNDS):
        timings = kmstui_timings(requests, texts, count=1)
        n = timings["count"][0]
        figures = {name: timings[name][0] for name in ("fast", "explaining", "parse_fast", "parse_explain")}
        if outcome is not None and outcome["core"]:
            peer_round = outcome if number == 0 else run_driver(peer, path, 1)
            if peer_round is not None and peer_round["core"]:
                figures["core"], figures["simulate"] = peer_round["core"][0] / n, peer_round["simulate"][0] / n
        rounds.append(figures)
    folder.cleanup()

    which = "the translated ones iam-simulate accepted" if outcome is not None else "the translated ones"
    print(f"timed on {n} scenarios ({which}); {ROUNDS} rounds, each timing the peer and then kmstui, every figure "
          "the best of 5 sweeps; min and median over the rounds, ratios within each round")
    print(f"per decision, pre-parsed, kmstui fast path (decide):         {us(spread(rounds, 'fast'))}")
    print(f"per decision, pre-parsed, kmstui explaining path (evaluate): {us(spread(rounds, 'explaining'))}")
    peered = all("core" in r for r in rounds)
    if peered:
        print(f"per decision, pre-parsed, iam-simulate core engine:         {us(spread(rounds, 'core'))}")
        print(f"  ratio iam-simulate core / kmstui decide:   {ratios(rounds, 'core', 'fast')}  (goal ≥ 3×)")
        print(f"  ratio iam-simulate core / kmstui evaluate: {ratios(rounds, 'core', 'explaining')}")
    print(f"parse JSON text + evaluate, kmstui:     {us(spread(rounds, 'parse_explain'))}")
    print(f"parse JSON text + decide, kmstui:       {us(spread(rounds, 'parse_fast'))}")
    if peered:
        print(f"parse JSON text + runSimulation, peer:  {us(spread(rounds, 'simulate'))}")
        print(f"  ratio runSimulation / kmstui parse + evaluate: {ratios(rounds, 'simulate', 'parse_explain')}  (goal ≥ 2×)")
        print(f"  ratio runSimulation / kmstui parse + decide:   {ratios(rounds, 'simulate', 'parse_fast')}")
    else:
        print("peer figures: not measured (see the peer line above)")


def run_driver(peer: Path, path: Path, runs: int) -> dict | None:
    """The peer's outcome for the translated scenarios (acceptance, results, ``runs`` timings), or None."""
    try:
        command = [shutil.which("node") or "node", str(DRIVER), str(peer), str(path), str(runs)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=600)
        if done.returncode == 0:
            return json.loads(done.stdout)
        print(f"peer: skipped: the driver failed (exit {done.returncode}): {done.stderr.strip()[-500:]}")
    except (OSError, subprocess.TimeoutExpired, ValueError) as error:
        print(f"peer: skipped: the driver failed ({error})")
    return None


def spread(rounds: list[dict[str, float]], name: str) -> list[float]:
    values = [r[name] for r in rounds]
    return [min(values), statistics.median(values)]


def ratios(rounds: list[dict[str, float]], slow: str, fast: str) -> str:
    each = [r[slow] / r[fast] for r in rounds]
    return f"{min(each):.1f}× (worst round), {statistics.median(each):.1f}× (median); rounds " + ", ".join(f"{x:.1f}×" for x in each)

if __name__ == "__main__":
    main()
