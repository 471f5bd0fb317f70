"""CloudTrail events and AccessDenied messages as requests: every file shape, the request and context
each event gives (with where each value came from), and each event's verdict against AWS's
documented rules, with the demo account's policies (kmstui.sources.demo)."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

from kmstui.analysis.replay import Replayer, compare_message
from kmstui.sources.cloudtrail import CloudTrailError, event_of, load_events
from kmstui.sources.demo import load_demo
from kmstui.sources.denial_message import DenialMessageError, parse_denial_message
from kmstui.cli.main import main

HERE = Path(__file__).parent / "fixtures" / "cloudtrail"
EVENTS = HERE / "events"
LOG = HERE / "log" / "111122223333_CloudTrail_us-west-2_20261120T1000Z_example.json"
SHAPES = [LOG, LOG.with_name(LOG.name + ".gz"), HERE / "lookup-events.json", HERE / "events.jsonl"]
K_APP = "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
K_PAY = "arn:aws:kms:us-west-2:111122223333:key/0987dcba-09fe-87dc-65ba-ab0987654321"

# event file → (kmstui's verdict, decided_by, CloudTrail's outcome, agrees), each from AWS's documented rules
# (KMS developer guide: "Determining access to an AWS KMS key", key policies, grants, alias access,
# kms:ViaService; IAM user guide: policy evaluation logic, permissions boundaries, session policies).
EXPECTED = {
    # A key policy statement naming the IAM user allows it on its own (same account).
    "encrypt-allowed": ("Allowed", "key-policy", "allowed", True),
    # The key policy enables IAM, but no identity policy of power-user allows kms:Decrypt.
    "decrypt-denied": ("ImplicitlyDenied", "no-door", "denied", True),
    # Key policy enables IAM; the role's identity policy and its boundary allow GenerateDataKey* (via S3).
    "generatedatakey-via-s3": ("Allowed", "iam", "allowed", True),
    # ReEncrypt needs kms:ReEncryptFrom on the source and kms:ReEncryptTo on the destination: both allowed.
    "reencrypt-same-key-allowed": ("Allowed", "all-parts", "allowed", True),
    # ... and ReEncryptTo on the payments key is allowed by nothing.
    "reencrypt-to-payments-denied": ("ImplicitlyDenied", "no-door", "denied", True),
    # aws/ebs: Principal "*" with kms:ViaService ec2.us-west-2.amazonaws.com and kms:CallerAccount.
    "creategrant-via-ec2": ("Allowed", "key-policy", "allowed", True),
    # 'Allow attachment of persistent resources' requires kms:GrantIsForAWSResource true: a direct call is false.
    "creategrant-direct-denied": ("ImplicitlyDenied", "no-door", "denied", True),
    # CreateAlias needs kms:CreateAlias on the alias (IAM policy) and on the key.
    "createalias-allowed": ("Allowed", "all-parts", "allowed", True),
    "createalias-denied": ("ImplicitlyDenied", "no-door", "denied", True),
    # The payments key policy names payments-role; no VPC endpoint policy is loaded (none restricts it).
    "decrypt-via-vpce": ("Allowed", "key-policy", "allowed", True),
    # Cross-account: the key policy allows account 444455556666 and the caller's IAM policy allows the key ARN.
    "cross-account-decrypt": ("Allowed", "iam", "allowed", True),
    "cross-account-decrypt-owner-view": ("Allowed", "iam", "allowed", True),
    # The key policy's statement for 444455556666 does not list kms:CreateGrant.
    "cross-account-creategrant-denied": ("ImplicitlyDenied", "no-door", "denied", True),
    # Door 3: the grant's EncryptionContextSubset {Department: Finance} is satisfied ...
    "generatedatakey-grant-allowed": ("Allowed", "grant", "allowed", True),
    # ... and not by {Department: HR}.
    "generatedatakey-grant-denied": ("ImplicitlyDenied", "no-door", "denied", True),
    # The account root: the key policy's 'Enable IAM User Permissions' statement.
    "root-describekey": ("Allowed", "iam", "allowed", True),
    # A federated user's session has no permissions of its own here (no identity policy allows).
    "federated-encrypt-denied": ("ImplicitlyDenied", "no-door", "denied", True),
    # The identity policy allows kms:Encrypt, the permissions boundary does not.
    "encrypt-boundary-denied": ("ImplicitlyDenied", "no-door", "denied", True),
    # A session policy denied it: CloudTrail's event for the call does not record it, so kmstui allows.
    "decrypt-session-policy-denied": ("Allowed", "iam", "denied", False),
    # KMS authorized the call, then the ciphertext did not match: failed, not denied.
    "decrypt-invalid-ciphertext": ("Allowed", "key-policy", "failed", True),
    # A regional identity policy and a key policy that enables IAM.
    "encrypt-regional-allowed": ("Allowed", "iam", "allowed", True),
    # No key policy statement names the service principal cloudtrail.amazonaws.com.
    "service-generatedatakey-denied": ("ImplicitlyDenied", "no-door", "denied", True),
}


def event_named(name: str):
    return load_events(str(EVENTS / f"{name}.json")).events[0]


def test_every_fixture_has_an_expectation() -> None:
    assert sorted(p.stem for p in EVENTS.glob("*.json")) == sorted(EXPECTED)


@pytest.mark.parametrize("path", SHAPES, ids=lambda p: p.name)
def test_every_file_shape_holds_the_same_kms_events(path: Path) -> None:
    log = load_events(str(path))
    singles = {event_named(name).id: event_named(name) for name in EXPECTED}
    assert sorted(e.id for e in log.events) == sorted(singles)
    for event in log.events:
        assert event == singles[event.id]
    assert [s.name for s in log.skipped] == ["RotateKey"]  # KMS acting on its own, not a call to authorize
    assert log.other_events == 1  # the S3 GetObject event


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_event_replays_to_the_documented_verdict(name: str) -> None:
    result, decided_by, outcome, agrees = EXPECTED[name]
    row = Replayer(load_demo()).replay_one(event_named(name))
    assert (row.result, row.decided_by, row.event.outcome, row.agrees) == (result, decided_by, outcome, agrees), row.summary


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_explain_cloudtrail_json_adds_the_event(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    result, _, outcome, agrees = EXPECTED[name]
    code = main(["explain", "--demo", "--cloudtrail", str(EVENTS / f"{name}.json"), "--format", "json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["result"] == result
    assert {k: data["event"][k] for k in ("id", "outcome", "agrees")} == {
        "id": event_named(name).id, "outcome": outcome, "agrees": agrees}
    from_cloudtrail = [c for c in data["context"] if c["source"].startswith("from CloudTrail: ")]
    assert any(c["key"] == "aws:CurrentTime" and c["source"] == "from CloudTrail: eventTime" for c in from_cloudtrail)


def test_the_context_comes_from_the_event_with_its_field() -> None:
    s3 = event_named("generatedatakey-via-s3")
    assert s3.context["kms:ViaService"] == "s3.us-west-2.amazonaws.com"
    assert s3.sources["kms:ViaService"] == "from CloudTrail: userIdentity.invokedBy and awsRegion"
    assert "aws:SourceIp" not in s3.context  # a service made the call: its name stands where an address would
    assert s3.context["kms:EncryptionContext:aws:s3:arn"] == "arn:aws:s3:::amzn-s3-demo-bucket/report.csv"
    assert s3.sources["kms:EncryptionContextKeys"] == "from CloudTrail: requestParameters.encryptionContext"
    assert "kms:KeySpec" not in s3.context  # GenerateDataKey's keySpec is the data key's, not kms:KeySpec

    vpce = event_named("decrypt-via-vpce")
    assert vpce.context["aws:SourceVpce"] == "vpce-1a2b3c4d5e6f1a2b3"
    assert vpce.context["aws:VpcSourceIp"] == "10.0.1.25" and "aws:SourceIp" not in vpce.context

    grant = event_named("creategrant-via-ec2")
    assert grant.context["kms:GrantIsForAWSResource"] == "true"
    assert grant.context["kms:GrantOperations"] == ["Decrypt"]
    assert grant.context["kms:GrantConstraintType"] == "EncryptionContextSubset"
    assert grant.context["kms:ViaService"] == "ec2.us-west-2.amazonaws.com"
    assert event_named("creategrant-direct-denied").context["kms:GrantIsForAWSResource"] == "false"

    direct = event_named("encrypt-allowed")
    assert direct.context["aws:SourceIp"] == "192.0.2.10"
    assert direct.context["aws:SecureTransport"] == "true" and direct.sources["aws:SecureTransport"].endswith("tlsDetails")
    assert direct.context["kms:RequestAlias"] == "alias/app"  # keyId named the key by alias
    assert direct.context["kms:EncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"
    assert event_named("root-describekey").context["aws:MultiFactorAuthPresent"] == "true"
    assert event_named("reencrypt-same-key-allowed").context["kms:ReEncryptOnSameKey"] == "true"
    assert event_named("reencrypt-to-payments-denied").resources == (K_APP, K_PAY)
    # a parameter the action's requests never carry is left out (checked against the reference)
    assert "kms:EncryptionAlgorithm" not in event_named("root-describekey").context


def test_principals_from_every_identity_type() -> None:
    assert event_named("cross-account-decrypt-owner-view").principal == "arn:aws:iam::444455556666:root"
    assert any("AWSAccount" in n for n in event_named("cross-account-decrypt-owner-view").notes)
    assert event_named("service-generatedatakey-denied").principal == "cloudtrail.amazonaws.com"
    assert event_named("federated-encrypt-denied").principal == "arn:aws:sts::111122223333:federated-user/Bob"
    assert event_named("root-describekey").principal == "arn:aws:iam::111122223333:root"
    assert event_named("createalias-allowed").resources == ("alias/new-app", K_APP)
    unsupported = json.loads((EVENTS / "encrypt-allowed.json").read_text())
    unsupported["userIdentity"] = {"type": "IdentityCenterUser", "accountId": "111122223333"}
    with pytest.raises(CloudTrailError, match="IdentityCenterUser"):
        event_of(unsupported)
    no_key = json.loads((EVENTS / "decrypt-denied.json").read_text())
    no_key["resources"] = []
    with pytest.raises(CloudTrailError, match="inside the ciphertext"):
        event_of(no_key)


def test_event_id_picks_one_and_without_it_the_error_lists_them(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "--demo", "--cloudtrail", str(HERE / "events.jsonl")]) == 2
    err = capsys.readouterr().err
    assert "holds 22 KMS events; pick one with --event-id" in err and "e0e1e2e3-0000-4000-8000-000000000001" in err
    assert main(["explain", "--demo", "--cloudtrail", str(SHAPES[1]), "--event-id", "e0e1e2e3-0000-4000-8000-000000000019"]) == 0
    out = capsys.readouterr().out
    assert "CloudTrail: denied (AccessDenied)  ·  kmstui: Allowed  ·  DISAGREE" in out
    assert "the session policy AWS's message names" in out
    assert "aws:SourceIp" in out and "(sourceIPAddress)" in out
    assert main(["explain", "--demo", "--cloudtrail", str(LOG), "--event-id", "nope"]) == 2
    assert "no KMS event 'nope'" in capsys.readouterr().err


def test_explain_cloudtrail_with_policy_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    snapshot = load_demo()
    key = snapshot.find_key(K_APP)
    (tmp_path / "key.json").write_text(key.policy, encoding="utf-8")
    code = main(["explain", "--cloudtrail", str(EVENTS / "encrypt-allowed.json"), "--key-policy", str(tmp_path / "key.json"),
                 "--format", "json", "--expect", "allow"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["decided_by"] == "key-policy" and data["event"]["agrees"] is True


def test_user_context_wins_over_the_events(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["explain", "--demo", "--cloudtrail", str(EVENTS / "generatedatakey-grant-denied.json"),
                 "--context", "kms:EncryptionContext:Department=Finance", "--format", "json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["result"] == "Allowed" and data["event"]["agrees"] is False
    entry = next(c for c in data["context"] if c["key"] == "kms:EncryptionContext:Department")
    assert entry["values"] == ["Finance"] and entry["source"] == "given on the command line"


def test_gzip_is_unpacked_within_the_size_limit(tmp_path: Path) -> None:
    big = tmp_path / "big.json.gz"
    big.write_bytes(gzip.compress(json.dumps({"Records": [{"eventSource": "s3.amazonaws.com", "pad": "x" * 2_000_000}]}).encode()))
    from kmstui.sources.errors import SourceError

    with pytest.raises(SourceError, match="unpacks to more than"):
        load_events(str(big), max_bytes=1_000_000)
    assert load_events(str(big), max_bytes=3_000_000).other_events == 1
    (tmp_path / "bad.gz").write_bytes(b"\x1f\x8b not gzip")
    with pytest.raises(SourceError, match="not a readable gzip"):
        load_events(str(tmp_path / "bad.gz"))
    (tmp_path / "nothing.json").write_text('{"hello": 1}', encoding="utf-8")
    with pytest.raises(SourceError, match="not a CloudTrail event"):
        load_events(str(tmp_path / "nothing.json"))


# -- error messages ---------------------------------------------------------------------------

SESSION = "arn:aws:sts::111122223333:assumed-role/app-role/app-session"


@pytest.mark.parametrize(("reason", "denial", "kind"), [
    ("because no resource-based policy allows the kms:Decrypt action", "implicit", "key_policy"),
    ("because no identity-based policy allows the kms:Decrypt action", "implicit", "identity"),
    ("because no permissions boundary allows the kms:Decrypt action", "implicit", "boundary"),
    ("because no session policy allows the kms:Decrypt action", "implicit", "session"),
    ("because no service control policy allows the kms:Decrypt action", "implicit", "scp"),
    ("with an explicit deny in a service control policy: arn:aws:organizations::111122223333:policy/o-exampleorgid/service_control_policy/p-examplekmsdel",
     "explicit", "scp"),
    ("with an explicit deny in a resource control policy", "explicit", "rcp"),
    ("with an explicit deny in an identity-based policy: arn:aws:iam::111122223333:policy/DenyKms", "explicit", "identity"),
    ("with an explicit deny in a permissions boundary", "explicit", "boundary"),
    ("with an explicit deny in a session policy", "explicit", "session"),
    ("with an explicit deny in a resource-based policy", "explicit", "key_policy"),
    ("with an explicit deny in a VPC endpoint policy", "explicit", "vpc_endpoint"),
])
def test_aws_messages_name_the_kind_of_policy(reason: str, denial: str, kind: str) -> None:
    text = (f"An error occurred (AccessDeniedException) when calling the Decrypt operation: User: {SESSION} is not "
            f"authorized to perform: kms:Decrypt on resource: {K_APP} {reason}")
    message = parse_denial_message(text)
    assert (message.principal, message.action, message.resource) == (SESSION, "kms:Decrypt", K_APP)
    assert (message.denial, message.policy_kind, message.operation) == (denial, kind, "Decrypt")
    if "arn:aws:organizations" in reason:
        assert message.policy_arn.endswith("service_control_policy/p-examplekmsdel")


def test_messages_compared_with_the_blocker() -> None:
    replayer = Replayer(load_demo())
    boundary = replayer.decide(event_named("encrypt-boundary-denied"))[0]  # blocker: boundary
    def claim(reason: str) -> tuple[bool, str]:
        return compare_message(parse_denial_message(f"User: {SESSION} is not authorized to perform: kms:Encrypt on "
                                                    f"resource: {K_APP} {reason}"), boundary)
    assert claim("because no permissions boundary allows the kms:Encrypt action")[0] is True
    assert claim("because no identity-based policy allows the kms:Encrypt action")[0] is False
    assert claim("with an explicit deny in a service control policy")[0] is False
    assert claim("")[0] is True  # the old message names no policy: any denial agrees
    key_policy = replayer.decide(event_named("cross-account-creategrant-denied"))[0]  # blocker: key policy
    assert compare_message(parse_denial_message("User: a is not authorized to perform: kms:CreateGrant on resource: b "
                                                "because no resource-based policy allows the kms:CreateGrant action"),
                           key_policy)[0] is True


def test_explain_error_fills_the_request(capsys: pytest.CaptureFixture[str]) -> None:
    text = (f"User: {SESSION} is not authorized to perform: kms:Encrypt on resource: {K_APP} "
            "because no permissions boundary allows the kms:Encrypt action")
    assert main(["explain", "--demo", "--error", text]) == 0
    out = capsys.readouterr().out
    assert out.startswith("AWS's message: no permissions boundary allows it\nkmstui: agrees")
    assert "ImplicitlyDenied" in out
    assert main(["explain", "--demo", "--error", text.replace("no permissions boundary", "no session policy"), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["error_message"]["policy_kind"] == "session" and data["error_message"]["agrees"] is False
    assert data["blocker"] == "boundary"


def test_kms_vague_messages_become_causes(capsys: pytest.CaptureFixture[str]) -> None:
    vague = ("An error occurred (AccessDeniedException) when calling the Decrypt operation: The ciphertext refers to a "
             "customer master key that does not exist, does not exist in this region, or you are not allowed to access.")
    message = parse_denial_message(vague)
    assert message.action == "kms:Decrypt" and message.principal is None
    assert any("another region" in c for c in message.causes) and any("deleted" in c for c in message.causes)
    assert main(["explain", "--demo", "--error", vague]) == 0
    assert "What it can mean, to check in this order:" in capsys.readouterr().out
    # with the request given, it is decided too and the causes stay beside it
    assert main(["explain", "--demo", "--error", vague, "--principal", "power-user", "--resource", "alias/app"]) == 0
    out = capsys.readouterr().out
    assert "ImplicitlyDenied" in out and "What KMS's message can mean" in out
    assert parse_denial_message("An error occurred (NotFoundException) when calling the Encrypt operation: "
                                f"Key '{K_APP}' does not exist").causes
    with pytest.raises(DenialMessageError):
        parse_denial_message("something else entirely")


def test_explain_needs_a_request_or_a_denial(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "--demo", "--action", "kms:Decrypt"]) == 2
    assert "--principal, --resource" in capsys.readouterr().err


def test_explain_cloudtrail_loads_neither_textual_nor_boto3() -> None:
    code = ("import sys; from kmstui.cli.main import main; "
            f"main(['explain', '--demo', '--cloudtrail', {str(EVENTS / 'encrypt-allowed.json')!r}, '--format', 'json']); "
            "print(sorted({m.split('.')[0] for m in sys.modules if m.split('.')[0] in ('textual', 'boto3', 'botocore')}), file=sys.stderr)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stderr.strip().splitlines()[-1] == "[]"
