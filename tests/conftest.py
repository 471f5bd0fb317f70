"""Shared fixtures: the bundled reference, parsed once per test session."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

from kmstui.reference.model import Reference, load_reference

# The gate is repeatable: every run of `python -m pytest` draws the same generated inputs, so a red CI
# means the code changed, not the dice. `--hypothesis-profile=explore` draws fresh ones; run it when
# touching a loader or the engine, and turn each failure it finds into a fixed test.
settings.register_profile("repeatable", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile("repeatable")


@pytest.fixture(scope="session")
def reference() -> Reference:
    return load_reference()


KEY_ARN = "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def small_snapshot():
    """A key whose policy enables IAM and lets AppRole use the key through S3; alice may only encrypt."""
    import json

    from kmstui.sources.snapshot import InlinePolicy, Key, Principal, Snapshot

    key_policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
         "Action": "kms:*", "Resource": "*"},
        {"Sid": "Allow use of the key", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/AppRole"},
         "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": "*",
         "Condition": {"StringEquals": {"kms:ViaService": "s3.us-west-2.amazonaws.com"}}},
    ]}, indent=2)
    encrypt_only = json.dumps({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "kms:Encrypt", "Resource": "*"}},
                              indent=2)
    alias = {"AliasName": "alias/app", "AliasArn": "arn:aws:kms:us-west-2:111122223333:alias/app",
             "TargetKeyId": "1234abcd-12ab-34cd-56ef-1234567890ab"}
    return Snapshot(
        keys=[Key(KEY_ARN, metadata={"KeyManager": "CUSTOMER", "Arn": KEY_ARN, "Description": "app data"}, policy=key_policy,
                  aliases=[alias])],
        principals=[Principal("arn:aws:iam::111122223333:role/AppRole", "role", "AppRole"),
                    Principal("arn:aws:iam::111122223333:user/alice", "user", "alice",
                              inline_policies=[InlinePolicy("encrypt-only", encrypt_only)])],
        sources=["test"],
    )


@pytest.fixture()
def sample_snapshot():
    """(Not named ``snapshot``: that is syrupy's fixture, which the snapshot tests use.)"""
    return small_snapshot()


def need_pinned_inputs(*names: str) -> None:
    """Skip (with the reason) unless the reference generator's pinned inputs are installed.

    The test install leaves the user's boto3/botocore alone, so the pins are usually absent here; the
    drift check runs in its own environment (`.ci/run` makes one with `pip install ".[refgen]"` and
    sets KMSTUI_REQUIRE_PINS=1, which turns a missing pin into a failure)."""
    from kmstui.reference.refgen.pins import missing_pins

    problems = [p for p in missing_pins() if not names or p.startswith(names)]
    if not problems:
        return
    reason = "; ".join(problems)
    if os.environ.get("KMSTUI_REQUIRE_PINS") == "1":
        pytest.fail(f"pinned generator inputs missing: {reason}")
    pytest.skip(f"the generator's pinned inputs differ here ({reason}); the drift check runs in an environment "
                'with pip install ".[refgen]" (see .ci/run)')
