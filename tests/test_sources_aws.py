"""The AWS account source, against moto's server on loopback through real boto3 clients.

One ThreadedMotoServer serves the module. Three accounts (AWS's documentation ids) keep the
scenarios apart: 111122223333 is an organization's management account with hand-made IAM, keys,
aliases, grants, tags, SCPs and RCPs; 444455556666 has more keys and users than one page and no
organization; 777788889999 is where calls fail. Credentials come from moto's STS (AssumeRole into
each account, which moto honours per access key) and are written to temporary AWS config files:
the user's ~/.aws and AWS_* variables are never read.

Faults are injected on the boto3 session's event system (``before-call`` raising the ClientError
botocore would raise, ``before-send`` answering with a throttling response that botocore then
retries), never by patching kmstui. moto 5.2 does not paginate ListKeys, ListAliases or
GetAccountAuthorizationDetails, so ``AwsPages`` splits those responses into AWS-sized pages
(100 items, AWS's default) with real markers, and the loader's paginators must follow them.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Iterator

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError

from kmstui.sources.snapshot import Key, Principal, Snapshot
from kmstui.sources.aws_account import load_account
from kmstui.sources.errors import SourceError
from kmstui.sources.readonly import ALLOWED_OPERATIONS, ReadOnlyViolation, is_allowed, make_read_only, read_only_client

MANAGEMENT = "111122223333"
MEMBER = "444455556666"
TROUBLED = "777788889999"
PROFILES = {MANAGEMENT: ("example-management", "us-west-2"), MEMBER: ("example-member", "ap-southeast-2"),
            TROUBLED: ("example-troubled", "eu-west-1")}
MANY = 120  # more than one page of keys, aliases and users (AWS's default page size is 100)
DOC_ACCESS_KEY = ("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: str | list[str], resource: str = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


# -- the server, the config files, the accounts ---------------------------------------------------------------


class Aws:
    """The running server and a profile per account in temporary AWS config files."""

    def __init__(self, url: str, config: Path, credentials: Path) -> None:
        self.url = url
        self.config = config
        self.credentials = credentials

    def session(self, account: str) -> boto3.Session:
        return boto3.Session(profile_name=PROFILES[account][0])

    def add_profile(self, account: str | None, name: str, region: str | None) -> None:
        """A profile with credentials for ``account`` (moto AssumeRole) and an optional region."""
        if account is not None:
            base = boto3.Session(aws_access_key_id=DOC_ACCESS_KEY[0], aws_secret_access_key=DOC_ACCESS_KEY[1],
                                 region_name="us-east-1")
            creds = base.client("sts", endpoint_url=self.url).assume_role(
                RoleArn=f"arn:aws:iam::{account}:role/KmstuiTestSetup", RoleSessionName="kmstui-test")["Credentials"]
            with self.credentials.open("a") as file:
                file.write(f"[{name}]\naws_access_key_id = {creds['AccessKeyId']}\n"
                           f"aws_secret_access_key = {creds['SecretAccessKey']}\n"
                           f"aws_session_token = {creds['SessionToken']}\n\n")
        with self.config.open("a") as file:
            file.write(f"[profile {name}]\n" + (f"region = {region}\n" if region else "") + "\n")


@pytest.fixture(scope="module")
def aws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Aws]:
    from moto.server import ThreadedMotoServer

    directory = tmp_path_factory.mktemp("aws")
    config, credentials = directory / "config", directory / "credentials"
    config.write_text("")
    credentials.write_text("")
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith("AWS_"):
                patch.delenv(name)
        patch.setenv("AWS_CONFIG_FILE", str(config))
        patch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
        patch.setenv("AWS_EC2_METADATA_DISABLED", "true")
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        state = Aws(f"http://{host}:{port}", config, credentials)
        for account, (name, region) in PROFILES.items():
            state.add_profile(account, name, region)
        state.add_profile(MANAGEMENT, "example-noregion", None)
        state.add_profile(None, "example-nocredentials", "us-west-2")
        try:
            yield state
        finally:
            server.stop()


# -- management account: everything that decides access, by hand ----------------------------------------------

KEY_POLICY_TEXT = json.dumps(policy(
    {"Sid": "Enable IAM policies", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{MANAGEMENT}:root"},
     "Action": "kms:*", "Resource": "*"},
    {"Sid": "Allow use of the key", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{MANAGEMENT}:role/ExampleRole"},
     "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*",
     "Condition": {"StringEquals": {"kms:EncryptionContext:Department": "IT"}}},
), indent=4)  # indented text: the loader must keep it exactly, line numbers and all
USER_POLICY = policy(allow("kms:ListAliases"))
GROUP_POLICY = policy(allow(["kms:DescribeKey", "kms:ListKeys"]))
ROLE_POLICY = policy(allow("kms:Decrypt", f"arn:aws:kms:us-west-2:{MANAGEMENT}:key/*"))
USE_POLICY = policy(allow(["kms:Encrypt", "kms:Decrypt"]))
BOUNDARY_POLICY = policy(allow("kms:*"), {"Effect": "Deny", "Action": "kms:ScheduleKeyDeletion", "Resource": "*"})
SCP_POLICY = policy({"Effect": "Deny", "Action": ["kms:ScheduleKeyDeletion", "kms:DeleteImportedKeyMaterial"],
                     "Resource": "*"})
RCP_POLICY = policy({"Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*",
                     "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-exampleorgid"},
                                   "Bool": {"aws:PrincipalIsAWSService": "false"}}})


@pytest.fixture(scope="module")
def management(aws: Aws) -> dict[str, Any]:
    """Seed the management account; return what was seeded, to compare with what loads."""
    session = aws.session(MANAGEMENT)
    iam = session.client("iam", endpoint_url=aws.url)
    use = iam.create_policy(PolicyName="KMSUsePolicy", PolicyDocument=json.dumps(USE_POLICY))["Policy"]["Arn"]
    boundary = iam.create_policy(PolicyName="KMSBoundary", PolicyDocument=json.dumps(BOUNDARY_POLICY))["Policy"]["Arn"]
    iam.create_group(GroupName="Developers")
    iam.put_group_policy(GroupName="Developers", PolicyName="DevelopersRead", PolicyDocument=json.dumps(GROUP_POLICY))
    iam.attach_group_policy(GroupName="Developers", PolicyArn=use)
    iam.create_user(UserName="Alice", Tags=[{"Key": "team", "Value": "Example"}])
    iam.add_user_to_group(GroupName="Developers", UserName="Alice")
    iam.put_user_policy(UserName="Alice", PolicyName="AliceAliases", PolicyDocument=json.dumps(USER_POLICY))
    iam.create_user(UserName="Bob")
    trust = policy({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"})
    role = iam.create_role(RoleName="ExampleRole", AssumeRolePolicyDocument=json.dumps(trust), PermissionsBoundary=boundary,
                           Tags=[{"Key": "project", "Value": "projectKey1"}])["Role"]["Arn"]
    iam.attach_role_policy(RoleName="ExampleRole", PolicyArn=use)
    iam.put_role_policy(RoleName="ExampleRole", PolicyName="ExampleRoleDecrypt", PolicyDocument=json.dumps(ROLE_POLICY))

    kms = session.client("kms", endpoint_url=aws.url)
    example = kms.create_key(Policy=KEY_POLICY_TEXT, Description="Example key",
                             Tags=[{"TagKey": "Purpose", "TagValue": "Example"},
                                   {"TagKey": "CostCenter", "TagValue": "1234"}])["KeyMetadata"]
    other = kms.create_key(Description="Other key")["KeyMetadata"]
    kms.create_alias(AliasName="alias/ExampleAlias", TargetKeyId=example["KeyId"])
    kms.create_alias(AliasName="alias/projectKey1", TargetKeyId=example["KeyId"])
    kms.create_alias(AliasName="alias/otherKey", TargetKeyId=other["KeyId"])
    grants = [
        {"Name": "ExampleGrant", "GranteePrincipal": role, "Operations": ["Decrypt"],
         "Constraints": {"EncryptionContextEquals": {"Department": "IT"}}},
        {"Name": "CrossAccountGrant", "GranteePrincipal": f"arn:aws:iam::{MEMBER}:role/ExampleRole",
         "RetiringPrincipal": f"arn:aws:iam::{MANAGEMENT}:role/ExampleRole",
         "Operations": ["Encrypt", "GenerateDataKey"], "Constraints": {"EncryptionContextSubset": {"Project": "Alpha"}}},
    ]
    for grant in grants:
        kms.create_grant(KeyId=example["KeyId"], **grant)

    org = session.client("organizations", endpoint_url=aws.url)
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    for policy_type in ("SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"):
        org.enable_policy_type(RootId=root, PolicyType=policy_type)
    ou = org.create_organizational_unit(ParentId=root, Name="Security")["OrganizationalUnit"]["Id"]
    org.move_account(AccountId=MANAGEMENT, SourceParentId=root, DestinationParentId=ou)
    scp = org.create_policy(Name="DenyKeyDeletion", Description="no key deletion", Type="SERVICE_CONTROL_POLICY",
                            Content=json.dumps(SCP_POLICY))["Policy"]["PolicySummary"]["Id"]
    rcp = org.create_policy(Name="OrgPrincipalsOnly", Description="data perimeter", Type="RESOURCE_CONTROL_POLICY",
                            Content=json.dumps(RCP_POLICY))["Policy"]["PolicySummary"]["Id"]
    org.attach_policy(PolicyId=scp, TargetId=ou)
    org.attach_policy(PolicyId=rcp, TargetId=MANAGEMENT)
    return {"example": example["Arn"], "other": other["Arn"], "grants": grants, "use": use, "boundary": boundary,
            "role": role, "root": root, "ou": ou, "scp": scp, "rcp": rcp}


@pytest.fixture(scope="module")
def management_snapshot(aws: Aws, management: dict[str, Any]) -> Snapshot:
    """Loaded the way the CLI does: by profile name, region from the profile."""
    return load_account(profile="example-management", endpoint_url=aws.url)


def by_name(snapshot: Snapshot, kind: str, name: str) -> Principal:
    return next(p for p in snapshot.principals if p.kind == kind and p.name == name)


def key_by_arn(snapshot: Snapshot, arn: str) -> Key:
    return next(k for k in snapshot.keys if k.arn == arn)


def inline(principal: Principal) -> dict[str, Any]:
    return {p.name: json.loads(p.document) for p in principal.inline_policies}


def test_keys_policies_aliases_grants_and_tags_match_what_was_seeded(management_snapshot: Snapshot,
                                                                   management: dict[str, Any]) -> None:
    snapshot = management_snapshot
    assert snapshot.errors == []
    assert {k.arn for k in snapshot.keys} == {management["example"], management["other"]}
    example, other = key_by_arn(snapshot, management["example"]), key_by_arn(snapshot, management["other"])
    assert example.policy == KEY_POLICY_TEXT  # verbatim, not re-serialized
    assert json.loads(other.policy or "")["Statement"][0]["Principal"] == {"AWS": f"arn:aws:iam::{MANAGEMENT}:root"}
    assert sorted(example.alias_names) == ["alias/ExampleAlias", "alias/projectKey1"]
    assert other.alias_names == ["alias/otherKey"]
    assert example.tags == {"Purpose": "Example", "CostCenter": "1234"} and other.tags == {}
    assert other.grants == []
    loaded = sorted((g["Name"], g["GranteePrincipal"], g.get("RetiringPrincipal"), sorted(g["Operations"]), g["Constraints"])
                    for g in example.grants)
    seeded = sorted((g["Name"], g["GranteePrincipal"], g.get("RetiringPrincipal"), sorted(g["Operations"]), g["Constraints"])
                    for g in management["grants"])
    assert loaded == seeded
    assert example.metadata["Description"] == "Example key" and example.metadata["KeyManager"] == "CUSTOMER"
    assert isinstance(example.metadata["CreationDate"], str)  # datetimes become ISO text
    assert example.origin == f"aws:{MANAGEMENT}/us-west-2"
    assert snapshot.find_key("alias/projectKey1") is example


def test_principals_match_what_was_seeded(management_snapshot: Snapshot, management: dict[str, Any]) -> None:
    snapshot = management_snapshot
    assert sorted((p.kind, p.name) for p in snapshot.principals) == [
        ("group", "Developers"), ("role", "ExampleRole"), ("user", "Alice"), ("user", "Bob")]
    alice = by_name(snapshot, "user", "Alice")
    assert alice.arn == f"arn:aws:iam::{MANAGEMENT}:user/Alice"
    assert alice.groups == ["Developers"] and alice.tags == {"team": "Example"}
    assert inline(alice) == {"AliceAliases": USER_POLICY} and alice.managed_policies == []
    group = by_name(snapshot, "group", "Developers")
    assert inline(group) == {"DevelopersRead": GROUP_POLICY} and group.managed_policies == [management["use"]]
    role = by_name(snapshot, "role", "ExampleRole")
    assert role.arn == management["role"] and role.boundary == management["boundary"]
    assert role.managed_policies == [management["use"]] and inline(role) == {"ExampleRoleDecrypt": ROLE_POLICY}
    assert role.tags == {"project": "projectKey1"} and role.origin == f"aws:{MANAGEMENT}/iam"
    assert by_name(snapshot, "user", "Bob").groups == []
    use, boundary = snapshot.managed_policies[management["use"]], snapshot.managed_policies[management["boundary"]]
    assert (use.name, json.loads(use.document), use.version) == ("KMSUsePolicy", USE_POLICY, "v1")
    assert json.loads(boundary.document) == BOUNDARY_POLICY
    # The group's policies reach its member.
    names = [name for name, _ in snapshot.identity_documents(alice)]
    assert names == ["user Alice inline policy AliceAliases", "group Developers inline policy DevelopersRead",
                     "group Developers managed policy KMSUsePolicy"]


def test_organization_policies_and_levels_from_root_to_account(management_snapshot: Snapshot,
                                                              management: dict[str, Any]) -> None:
    snapshot = management_snapshot
    scp, rcp = snapshot.org_policies[management["scp"]], snapshot.org_policies[management["rcp"]]
    assert (scp.name, scp.kind, json.loads(scp.document)) == ("DenyKeyDeletion", "scp", SCP_POLICY)
    assert (rcp.name, rcp.kind, json.loads(rcp.document)) == ("OrgPrincipalsOnly", "rcp", RCP_POLICY)
    scp_levels, rcp_levels = snapshot.scp_levels[MANAGEMENT], snapshot.rcp_levels[MANAGEMENT]
    assert len(scp_levels) == len(rcp_levels) == 3  # root, the Security OU, the account
    assert "p-FullAWSAccess" in scp_levels[0] and management["scp"] in scp_levels[1]
    assert management["scp"] not in scp_levels[0] + scp_levels[2]
    assert management["rcp"] in rcp_levels[2] and management["rcp"] not in rcp_levels[0] + rcp_levels[1]
    assert snapshot.org_policies["p-FullAWSAccess"].kind == "scp"


def test_snapshot_is_json_and_names_its_sources(management_snapshot: Snapshot) -> None:
    text = management_snapshot.to_json()
    assert json.loads(text)["keys"]  # plain JSON all the way down (no datetimes left)
    assert Snapshot.from_json(text).to_dict() == management_snapshot.to_dict()
    assert f"aws:{MANAGEMENT}/us-west-2" in management_snapshot.sources
    assert management_snapshot.accounts == [MANAGEMENT]


def test_progress_reaches_done_equals_total_on_the_calling_thread(aws: Aws, management: dict[str, Any]) -> None:
    calls: list[tuple[str, int, int, int]] = []
    load_account(profile="example-management", endpoint_url=aws.url,
                 progress=lambda phase, done, total: calls.append((phase, done, total, threading.get_ident())))
    assert {c[3] for c in calls} == {threading.get_ident()}
    last = {phase: (done, total) for phase, done, total, _ in calls}
    assert set(last) == {"keys us-west-2", "iam", "organizations"}
    assert last["keys us-west-2"] == (2, 2)
    assert all(done == total for done, total in last.values())
    key_steps = [done for phase, done, _, _ in calls if phase == "keys us-west-2"]
    assert key_steps == sorted(key_steps)


# -- the read-only guard ----------------------------------------------------------------------------------------


def test_read_only_client_blocks_writes_before_sending(aws: Aws) -> None:
    session = aws.session(MANAGEMENT)
    sent: list[str] = []
    session.events.register("before-send", lambda request, **_: sent.append(request.url))
    client = read_only_client(session, "kms", "eu-central-1", aws.url)
    # 10 attempts in all (the first and up to nine retries), and botocore's own timeouts.
    assert client.meta.config.retries == {"mode": "adaptive", "total_max_attempts": 10}
    assert (client.meta.config.connect_timeout, client.meta.config.read_timeout) == (5.0, 20.0)
    before = len(client.list_keys()["Keys"])
    sent.clear()
    with pytest.raises(ReadOnlyViolation, match="CreateKey"):
        client.create_key(Description="must not exist")
    with pytest.raises(ReadOnlyViolation):
        client.schedule_key_deletion(KeyId="1234abcd-12ab-34cd-56ef-1234567890ab")
    assert sent == []  # nothing reached the server
    plain = boto3.Session(profile_name="example-management").client("kms", region_name="eu-central-1",
                                                                     endpoint_url=aws.url)
    assert len(plain.list_keys()["Keys"]) == before
    assert isinstance(ReadOnlyViolation("x"), SourceError)


def test_make_read_only_guards_any_client_and_allows_reads(aws: Aws) -> None:
    iam = make_read_only(aws.session(MANAGEMENT).client("iam", endpoint_url=aws.url))
    make_read_only(iam)  # twice is harmless
    assert "UserDetailList" in iam.get_account_authorization_details()
    with pytest.raises(ReadOnlyViolation, match="CreateUser"):
        iam.create_user(UserName="Mallory")
    with pytest.raises(ReadOnlyViolation):
        iam.create_user()  # refused before parameter validation, whatever the parameters
    with pytest.raises(ReadOnlyViolation, match="ListUsers"):
        iam.list_users()  # a read, but not one the loader makes: only the exact list passes
    users = [u["UserName"] for u in aws.session(MANAGEMENT).client("iam", endpoint_url=aws.url).list_users()["Users"]]
    assert "Mallory" not in users
    assert [is_allowed("kms", n) for n in ("ListKeys", "GetKeyPolicy", "DescribeKey", "PutKeyPolicy", "Decrypt")] \
        == [True, True, True, False, False]


@pytest.mark.parametrize(("service", "operation", "params"), [
    ("sts", "get_session_token", {}),
    ("sts", "get_federation_token", {"Name": "kmstui"}),
    ("kms", "get_parameters_for_import", {"KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab",
                                          "WrappingAlgorithm": "RSAES_OAEP_SHA_256", "WrappingKeySpec": "RSA_2048"}),
    ("kms", "get_public_key", {"KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab"}),
    ("iam", "get_credential_report", {}),
])
def test_reads_by_name_that_are_not_on_the_list_are_refused(aws: Aws, service: str, operation: str,
                                                             params: dict[str, Any]) -> None:
    """Issue 10.8: a name prefix let these through (they mint credentials or key material)."""
    session = aws.session(MANAGEMENT)
    sent: list[str] = []
    session.events.register("before-send", lambda request, **_: sent.append(request.url))
    client = read_only_client(session, service, "us-west-2", aws.url)
    with pytest.raises(ReadOnlyViolation, match="refused"):
        getattr(client, operation)(**params)
    assert sent == []


def test_the_loader_calls_exactly_the_listed_operations(aws: Aws, management: dict[str, Any]) -> None:
    """Every operation a full load sends is on the list, and the list holds nothing the loader does not use:
    a new call in the loader fails here (and in every load, refused) until it is added."""
    session = aws.session(MANAGEMENT)
    called: set[tuple[str, str]] = set()
    lock = threading.Lock()

    def record(model: Any, **_: Any) -> None:
        with lock:
            called.add((model.service_model.service_name, model.name))

    session.events.register("before-send", lambda request, **_: None)
    session.events.register("before-call", record)
    snapshot = load_account(session=session, endpoint_url=aws.url)
    assert snapshot.errors == [] and snapshot.scp_levels  # every path ran: keys, IAM, Organizations with SCPs
    # cloudtrail LookupEvents is on the list for `kmstui replay --lookup-events`, not for the account load
    loader = {(service, name) for service, names in ALLOWED_OPERATIONS.items() if service != "cloudtrail"
              for name in names}
    assert called == loader


# -- member account: pages, cancellation, concurrency -------------------------------------------------------------


class AwsPages:
    """Split moto's unpaginated list responses into AWS-sized pages, with markers the client sends back."""

    SPEC = {  # operation: (service, list fields, request limit, response truncated flag, response marker)
        "ListKeys": ("kms", ("Keys",), "Limit", "Truncated", "NextMarker"),
        "ListAliases": ("kms", ("Aliases",), "Limit", "Truncated", "NextMarker"),
        "GetAccountAuthorizationDetails": ("iam", ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies"),
                                           "MaxItems", "IsTruncated", "Marker"),
    }

    def __init__(self, session: boto3.Session, size: int = 100) -> None:
        self.size = size
        self.pages: Counter[str] = Counter()
        self.lock = threading.Lock()
        for operation, (service, *_rest) in self.SPEC.items():
            session.events.register(f"before-parameter-build.{service}.{operation}", self._remember)
            session.events.register(f"after-call.{service}.{operation}", self._split)

    def _remember(self, params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        limit = params.get(self.SPEC[model.name][2])
        context["page"] = (int(params.get("Marker") or 0), int(limit or self.size))

    def _split(self, parsed: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        if "Error" in parsed:
            return
        _, fields, _, flag, marker = self.SPEC[model.name]
        start, size = context.get("page", (0, self.size))
        items = [(name, item) for name in fields for item in parsed.get(name, [])]
        page = items[start:start + size]
        for name in fields:
            parsed[name] = [item for field, item in page if field == name]
        parsed[flag] = start + size < len(items)
        parsed.pop(marker, None)
        if parsed[flag]:
            parsed[marker] = str(start + size)
        with self.lock:
            self.pages[model.name] += 1


@pytest.fixture(scope="module")
def member(aws: Aws) -> dict[str, Any]:
    """MANY keys, each with an alias, and MANY users: more than a page of each (seeded by 8 threads)."""
    session = aws.session(MEMBER)
    kms = session.client("kms", endpoint_url=aws.url)
    iam = session.client("iam", endpoint_url=aws.url)

    def seed(number: int) -> tuple[str, str]:
        # moto makes a 2048-bit RSA key behind every symmetric key (~60 ms); an ECC key is quick.
        arn = kms.create_key(Description=f"key {number}", KeySpec="ECC_NIST_P256",
                             KeyUsage="SIGN_VERIFY")["KeyMetadata"]["Arn"]
        kms.create_alias(AliasName=f"alias/example-{number:03d}", TargetKeyId=arn.rsplit("/", 1)[1])
        iam.create_user(UserName=f"user-{number:03d}")
        return arn, f"alias/example-{number:03d}"

    with ThreadPoolExecutor(max_workers=8) as pool:
        keys = dict(pool.map(seed, range(MANY)))
    iam.create_group(GroupName="Readers")
    iam.add_user_to_group(GroupName="Readers", UserName=f"user-{MANY - 1:03d}")
    return {"keys": keys}


def test_pagination_follows_every_page(aws: Aws, member: dict[str, Any]) -> None:
    session = aws.session(MEMBER)
    pages = AwsPages(session)
    snapshot = load_account(session=session, endpoint_url=aws.url)
    assert pages.pages["ListKeys"] == 2 and pages.pages["ListAliases"] == 2
    assert pages.pages["GetAccountAuthorizationDetails"] == 2
    assert {k.arn: k.alias_names for k in snapshot.keys} == {arn: [alias] for arn, alias in member["keys"].items()}
    users = [p for p in snapshot.principals if p.kind == "user"]
    assert len(users) == MANY and len({p.arn for p in users}) == MANY
    assert by_name(snapshot, "user", f"user-{MANY - 1:03d}").groups == ["Readers"]
    assert by_name(snapshot, "group", "Readers").arn == f"arn:aws:iam::{MEMBER}:group/Readers"
    # Not in an organization: recorded, not raised; everything else is whole.
    assert [(e.what, e.code) for e in snapshot.errors] == [(f"ListRoots {MEMBER}", "AWSOrganizationsNotInUseException")]
    assert snapshot.errors[0].source == f"aws:{MEMBER}/organizations"
    assert snapshot.scp_levels == {} and snapshot.org_policies == {}


def test_concurrent_and_sequential_loads_agree(aws: Aws, member: dict[str, Any]) -> None:
    def load(workers: int) -> dict[str, Any]:
        data = load_account(profile="example-member", endpoint_url=aws.url, max_workers=workers).to_dict()
        data.pop("created")
        return data

    assert load(16) == load(1)


def test_cancel_from_progress_stops_scheduling_and_raises(aws: Aws, member: dict[str, Any]) -> None:
    session = aws.session(MEMBER)
    described: list[str] = []
    session.events.register("before-call.kms.DescribeKey", lambda **_: described.append("x"))
    cancel = threading.Event()

    def progress(phase: str, done: int, total: int) -> None:
        if phase.startswith("keys") and done >= 3:
            cancel.set()

    with pytest.raises(SourceError, match="load cancelled"):
        load_account(session=session, endpoint_url=aws.url, progress=progress, cancel=cancel, max_workers=2)
    assert 3 <= len(described) < MANY // 2


def test_cancel_before_start_sends_nothing(aws: Aws) -> None:
    session = aws.session(MEMBER)
    sent: list[str] = []
    session.events.register("before-send", lambda request, **_: sent.append(request.url))
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(SourceError, match="load cancelled"):
        load_account(session=session, endpoint_url=aws.url, cancel=cancel)
    assert sent == []


# -- troubled account: failures become LoadErrors, the rest still loads --------------------------------------------

DENY_DESCRIBE = policy(
    {"Sid": "Enable IAM policies", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{TROUBLED}:root"},
     "Action": "kms:*", "Resource": "*"},
    {"Sid": "Nobody describes", "Effect": "Deny", "Principal": "*", "Action": "kms:DescribeKey", "Resource": "*"})


@pytest.fixture(scope="module")
def troubled(aws: Aws) -> dict[str, str]:
    kms = aws.session(TROUBLED).client("kms", endpoint_url=aws.url)
    keys = {}
    for name in ("healthy", "deny-describe", "policy-denied", "grants-throttled", "tags-flaky", "aws-managed"):
        extra = {"Policy": json.dumps(DENY_DESCRIBE)} if name == "deny-describe" else {}
        arn = kms.create_key(Description=name, Tags=[{"TagKey": "name", "TagValue": name}], **extra)["KeyMetadata"]["Arn"]
        kms.create_grant(KeyId=arn, GranteePrincipal=f"arn:aws:iam::{TROUBLED}:role/ExampleRole", Operations=["Decrypt"])
        keys[name] = arn
    return keys


def client_error(code: str, message: str, operation: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


class Faults:
    """Failures injected into a boto3 session's clients, chosen by operation, key and region."""

    def __init__(self, session: boto3.Session) -> None:
        self.session = session
        self.attempts: Counter[str] = Counter()
        session.events.register("before-parameter-build", self._remember)

    @staticmethod
    def _remember(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["test_params"] = dict(params)

    def fail(self, event: str, error: Callable[[str], ClientError], when: Callable[[dict[str, Any], str], bool]) -> None:
        """``before-call`` raising what botocore raises once a call has failed (after any retries)."""
        def handler(model: Any, context: dict[str, Any], **_: Any) -> None:
            if when(context.get("test_params", {}), context.get("client_region", "")):
                raise error(model.name)
        self.session.events.register(event, handler)

    def throttle_first(self, event: str, key_arn: str, times: int) -> None:
        """``before-send`` answering HTTP 400 ThrottlingException ``times`` times: botocore retries it."""
        key_id = key_arn.rsplit("/", 1)[1]

        def handler(request: Any, **_: Any) -> AWSResponse | None:
            if json.loads(request.body or b"{}").get("KeyId") not in (key_id, key_arn):
                return None
            self.attempts[key_arn] += 1
            if self.attempts[key_arn] > times:
                return None
            body = json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}).encode()
            return AWSResponse(request.url, 400, {"Content-Type": "application/x-amz-json-1.1"}, _Raw(body))
        self.session.events.register(event, handler)


class _Raw:
    """The raw-stream side of a canned HTTP response."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.body


def key_is(arn: str) -> Callable[[dict[str, Any], str], bool]:
    return lambda params, region: params.get("KeyId") in (arn, arn.rsplit("/", 1)[1])


def test_failed_calls_become_load_errors_and_the_rest_loads(aws: Aws, troubled: dict[str, str]) -> None:
    session = aws.session(TROUBLED)
    faults = Faults(session)
    denied = lambda operation: client_error("AccessDeniedException", "not authorized", operation)  # noqa: E731
    faults.fail("before-call.kms.GetKeyPolicy", denied, key_is(troubled["policy-denied"]))
    faults.fail("before-call.kms.ListGrants", lambda op: client_error("ThrottlingException", "Rate exceeded", op),
                key_is(troubled["grants-throttled"]))
    faults.fail("before-call.kms.ListResourceTags", denied, key_is(troubled["aws-managed"]))
    faults.fail("before-call.kms", lambda op: client_error(
        "UnrecognizedClientException", "The security token included in the request is invalid.", op),
        lambda params, region: region == "ap-east-1")  # an opt-in region that is not enabled
    faults.fail("before-call.iam.GetAccountAuthorizationDetails", lambda op: client_error(
        "AccessDenied", "not authorized to perform iam:GetAccountAuthorizationDetails", op), lambda p, r: True)
    faults.throttle_first("before-send.kms.ListResourceTags", troubled["tags-flaky"], times=2)

    def aws_managed(parsed: dict[str, Any], **_: Any) -> None:  # moto cannot make AWS managed keys
        if parsed.get("KeyMetadata", {}).get("Arn") == troubled["aws-managed"]:
            parsed["KeyMetadata"]["KeyManager"] = "AWS"
    session.events.register("after-call.kms.DescribeKey", aws_managed)

    snapshot = load_account(session=session, regions=["eu-west-1", "ap-east-1"], endpoint_url=aws.url)

    found = sorted((e.source, e.what, e.code) for e in snapshot.errors)
    here = f"aws:{TROUBLED}/eu-west-1"
    assert found == sorted([
        (here, f"DescribeKey {troubled['deny-describe']}", "AccessDeniedException"),  # moto's own key-policy check
        (here, f"GetKeyPolicy {troubled['policy-denied']}", "AccessDeniedException"),
        (here, f"ListGrants {troubled['grants-throttled']}", "ThrottlingException"),
        (f"aws:{TROUBLED}/ap-east-1", "ListKeys ap-east-1", "UnrecognizedClientException"),  # one error per region
        (f"aws:{TROUBLED}/iam", f"GetAccountAuthorizationDetails {TROUBLED}", "AccessDenied"),
        (f"aws:{TROUBLED}/organizations", f"ListRoots {TROUBLED}", "AWSOrganizationsNotInUseException"),
    ])
    assert "region ap-east-1 is not enabled" in next(e.message for e in snapshot.errors if e.what == "ListKeys ap-east-1")
    keys = {k.metadata.get("Description", k.arn): k for k in snapshot.keys}
    assert len(snapshot.keys) == len(troubled)
    deny = key_by_arn(snapshot, troubled["deny-describe"])
    assert deny.metadata == {} and json.loads(deny.policy or "") == DENY_DESCRIBE and deny.tags == {"name": "deny-describe"}
    assert keys["policy-denied"].policy is None and keys["policy-denied"].grants
    assert keys["grants-throttled"].grants == [] and keys["grants-throttled"].policy
    assert keys["tags-flaky"].tags == {"name": "tags-flaky"} and faults.attempts[troubled["tags-flaky"]] == 3
    assert keys["aws-managed"].aws_managed and keys["aws-managed"].tags == {}  # its tag refusal is no error
    healthy = keys["healthy"]
    assert healthy.policy and healthy.grants and healthy.tags == {"name": "healthy"}
    assert snapshot.principals == []
    concerning = [e.what.split()[0] for e in snapshot.missing_for(None, [keys["policy-denied"]])]
    # the key's own failure, and the account-wide one (IAM could not be read) that every trace must mention
    assert "GetKeyPolicy" in concerning and "GetAccountAuthorizationDetails" in concerning
    json.dumps(snapshot.to_dict())


# -- whole-load problems are one SourceError line -------------------------------------------------------------------


def test_profile_problems_are_one_line_errors(aws: Aws, management: dict[str, Any]) -> None:
    with pytest.raises(SourceError, match="profile 'example-missing' not found"):
        load_account(profile="example-missing", endpoint_url=aws.url)
    with pytest.raises(SourceError, match="no AWS region"):
        load_account(profile="example-noregion", endpoint_url=aws.url)
    with pytest.raises(SourceError, match="no AWS credentials"):
        load_account(profile="example-nocredentials", endpoint_url=aws.url)
    # An explicit region makes the region-less profile usable.
    snapshot = load_account(profile="example-noregion", regions=["us-west-2"], endpoint_url=aws.url)
    assert snapshot.accounts == [MANAGEMENT]


def test_account_loads_are_cached_for_the_cli_and_the_app(aws: Aws, management: dict[str, Any], tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from kmstui.cli.main import main
    from kmstui.sources.cache import load_account_cached

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    first = load_account_cached("example-management", None, aws.url)
    assert first.cached is None and first.snapshot.keys and first.whose.account == MANAGEMENT
    again = load_account_cached("example-management", None, aws.url)
    assert again.cached is not None and again.snapshot == first.snapshot  # from the cache (after one STS call)
    refreshed = load_account_cached("example-management", None, aws.url, refresh=True)
    assert refreshed.cached is None  # loaded from AWS again, and cached in place of the first load
    out = tmp_path / "snap.json"
    assert main(["snapshot", "--profile", "example-management", "--endpoint-url", aws.url, "-o", str(out)]) == 0
    assert f"using the cached snapshot of account {MANAGEMENT} (aws; us-west-2; profile example-management" \
        in capsys.readouterr().err
    assert Snapshot.from_json(out.read_text()).to_dict() == refreshed.snapshot.to_dict()
