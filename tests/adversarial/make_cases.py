"""Writes the adversarial corpus: one folder per case under tests/adversarial/cases/, and cases.json.

Run it again after adding a case (``python tests/adversarial/make_cases.py``); the test
(tests/test_adversarial.py) reads only what this wrote. Every expected outcome comes from a rule AWS
documents (cited in the case's "why") or from a promise of README.md / issue 9; never from what
kmstui prints today.

Placeholders in "args": ``{dir}`` is the case folder, ``{tmp}`` a per-test temporary folder in which
the case's "generate" entries (FIFOs, 60 MB files, 100k-deep JSON, empty folders) are made at test
time, so nothing large is committed.

"expect": ``exit`` (an int or a list of allowed ints); for exit 0 ``first_word`` (the verdict) or
``first_word_not``; for exit 2 exactly one line on standard error that contains every string in
``names`` (the file, by base name) and ``stderr_contains``; ``output_contains`` is searched in
stdout + stderr.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
CASES = HERE / "cases"

ACCOUNT = "111122223333"
OTHER = "444455556666"
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
KEY2_ID = "0987dcba-09fe-87dc-65ba-ab0987654321"
KEY_ARN = f"arn:aws:kms:us-west-2:{ACCOUNT}:key/{KEY_ID}"
KEY2_ARN = f"arn:aws:kms:us-west-2:{ACCOUNT}:key/{KEY2_ID}"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/Alice"
BOB = f"arn:aws:iam::{ACCOUNT}:user/Bob"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
V = "2012-10-17"

# -- documentation pages cited --------------------------------------------------------------------
DOC_ACTION = "IAM JSON reference, Action: '*' matches any sequence, '?' one character; action names are case-insensitive (reference_policies_elements_action.html)"
DOC_RESOURCE = "IAM JSON reference, Resource: wildcards * and ? in ARNs (reference_policies_elements_resource.html)"
DOC_LIKE = "IAM condition operators: StringLike/ArnLike with * (any sequence) and ? (one character) (reference_policies_elements_condition_operators.html)"
DOC_EVAL = "IAM policy evaluation logic: an explicit Deny overrides any Allow; no Allow means implicit deny (reference_policies_evaluation-logic.html)"
DOC_KP = "KMS: the key policy is required; IAM policies count only when the key policy enables them (key-policy-default.html#key-policy-default-allow-root-enable-iam)"
DOC_PUTKP = "KMS PutKeyPolicy API: a statement missing Resource or Action has no effect but PutKeyPolicy accepts it"
DOC_PUTKP_CHARS = "KMS PutKeyPolicy API: a key policy may contain only \\u0009 \\u000A \\u000D and \\u0020-\\u00FF (botocore PolicyType pattern)"
DOC_PUTKP_PRINCIPAL = "KMS PutKeyPolicy API: each statement in the key policy must contain one or more principals"
DOC_JSON = "IAM policy grammar: policies are JSON (RFC 8259), which has no NaN/Infinity (reference_policies_grammar.html); issue 9: reject NaN/Infinity"
DOC_GRAMMAR = "IAM policy grammar: element types (reference_policies_grammar.html)"
DOC_GRANT_OPS = "KMS CreateGrant API: Operations are GrantOperation enum values (Decrypt, Encrypt, GenerateDataKey, ReEncryptFrom, ...); issue 9: reject grant operations that do not exist"
DOC_GRANTS = "KMS grants: a grant allows its grantee the grant's operations, within its constraints (grants.html, grant-authorization.html)"
DOC_EMPTY = "issue 9: AWS accepts empty Action/Resource lists and empty condition value lists: an ineffective statement, not an error; an empty value list matches no request value"
DOC_SHAPE = "README 'Loading files' / issue 9: a file of the wrong shape is one line naming the file (and JSON path), exit 2"
DOC_READER = "issue 9 'Never hang': regular files only; a FIFO, /dev/zero or a directory give one clear error line; size limit; nesting-depth limit"
DOC_SNAPSHOT = "issue 9: every loader checks the type of what it reads (saved snapshots: metadata, tags, aliases, policy); matrix exits 2 on a malformed snapshot"
DOC_FOLDER = "README 'Loading files': in a folder a bad file is a load error (a warning) and everything else still loads"
DOC_GAAD = "issue 9: one bad managed policy in a GetAccountAuthorizationDetails file must not drop the whole file: the rest loads, the bad policy is a load error naming it"
DOC_BOOL = "IAM condition operators: Bool compares true/false; JSON condition values may be strings, numbers or booleans (reference_policies_elements_condition.html)"
DOC_IFEXISTS = "IAM condition operators: ...IfExists is true when the key is absent; Null tests presence (reference_policies_elements_condition_operators.html)"
DOC_NOTPRINCIPAL = "IAM NotPrincipal: a Deny with NotPrincipal always denies an IAM principal that has a permissions boundary attached (reference_policies_elements_notprincipal.html)"
DOC_KEYTYPE = "KMS key spec reference: operations a key's KeyUsage/KeySpec does not support are rejected (InvalidKeyUsageException), whatever the policies allow (issue 9)"
DOC_RESERVED = "KMS CreateAlias API / 'Creating aliases': alias names beginning alias/aws/ are reserved for AWS managed keys"
DOC_CTXKEYS = "KMS permissions reference: a condition key an action does not support is absent from its requests (kms:GrantOperations is for CreateGrant only)"
DOC_CROSS = "KMS cross-account access: the key policy must allow the other account, and the other account's IAM policy must allow the principal (key-policy-modifying-external-accounts.html)"


def glob_match(pattern: str, value: str, case: bool = True) -> bool:
    """Reference glob: '*' any sequence, '?' one character (dynamic programming, no backtracking)."""
    if not case:
        pattern, value = pattern.lower(), value.lower()
    row = [True] + [False] * len(value)
    for ch in pattern:
        new = [False] * (len(value) + 1)
        if ch == "*":
            acc = False
            for j in range(len(value) + 1):
                acc = acc or row[j]
                new[j] = acc
        else:
            for j in range(1, len(value) + 1):
                new[j] = row[j - 1] and (ch == "?" or ch == value[j - 1])
        row = new
    return row[-1]


def verdict(match: bool) -> str:
    return "Allowed" if match else "ImplicitlyDenied"


# -- building blocks -----------------------------------------------------------------------------
def stmt(effect: str = "Allow", principal: Any = ..., action: Any = "kms:Decrypt", resource: Any = "*", **extra: Any) -> dict:
    s: dict[str, Any] = {"Effect": effect}
    if principal is not ...:
        s["Principal"] = principal
    if action is not None:
        s["Action"] = action
    if resource is not None:
        s["Resource"] = resource
    s.update(extra)
    return s


ROOT_STMT = {"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "kms:*",
             "Resource": "*"}


def doc(*statements: dict) -> dict:
    return {"Version": V, "Statement": list(statements)}


KP_ROOT = doc(ROOT_STMT)
IP_ALLOW = doc(stmt(action="kms:Decrypt"))
IP_ALL = doc(stmt(action="kms:*"))


def alice(**kw: Any) -> dict:
    return stmt(principal={"AWS": ALICE}, **kw)


CASE_LIST: list[dict[str, Any]] = []


def case(name: str, kind: str, files: dict[str, Any], args: list[str], expect: dict[str, Any], why: str,
         generate: list[dict[str, Any]] | None = None, subprocess: bool = False) -> None:
    assert all(c["name"] != name for c in CASE_LIST), name
    CASE_LIST.append({"name": name, "kind": kind, "files": files, "args": args, "expect": expect, "why": why,
                      **({"generate": generate} if generate else {}), **({"subprocess": True} if subprocess else {})})


def explain(*extra: str, principal: str = ALICE, action: str = "kms:Decrypt", resource: str = KEY_ARN,
            key_policy: str | None = "{dir}/key-policy.json") -> list[str]:
    args = ["explain", "--principal", principal, "--action", action, "--resource", resource]
    if key_policy:
        args += ["--key-policy", key_policy]
    return args + list(extra)


def ok(word: str, **more: Any) -> dict:
    return {"exit": 0, "first_word": word, **more}


def bad(*names: str, **more: Any) -> dict:
    return {"exit": 2, "names": list(names), **more}


def raw(text: str) -> dict:
    """A file written byte for byte (for JSON the json module cannot produce: NaN, duplicates, bad bytes)."""
    return {"__raw__": text}


# ================================================================================================
# 1. Wildcards: hostile but short patterns must decide at once, and decide right.
# ================================================================================================
def wildcard_cases() -> None:
    for n, last in ((60, "x"), (60, "t"), (200, "x"), (40, "T")):
        pattern = "kms:" + "*" * n + last
        want = verdict(glob_match(pattern, "kms:Decrypt", case=False))
        case(f"wild-kp-action-{n}stars-{last}", "wildcard-key-policy", {"key-policy.json": doc(alice(action=pattern))},
             explain(), ok(want), f"{DOC_ACTION}; 'kms:Decrypt' {'ends' if want == 'Allowed' else 'does not end'} with {last!r}",
             subprocess=True)
        case(f"wild-ip-action-{n}stars-{last}", "wildcard-identity-policy",
             {"key-policy.json": KP_ROOT, "ip.json": doc(stmt(action=pattern))},
             explain("--identity-policy", "{dir}/ip.json"), ok(want), f"{DOC_ACTION}; {DOC_KP}", subprocess=True)
    # '*?' alternations and '*e' repetitions
    for name, pattern in (("star-q-40-x", "kms:" + "*?" * 40 + "x"), ("star-q-3-t", "kms:" + "*?" * 3 + "t"),
                          ("star-e-25-z", "kms:" + "*e" * 25 + "*z"), ("star-c-1", "kms:*c*"),
                          ("q7", "kms:" + "?" * 7), ("q8", "kms:" + "?" * 8), ("q-ecrypt", "kms:?ecrypt"),
                          ("q-crypt", "kms:?crypt"), ("letters", "kms:*D*e*c*r*y*p*t"),
                          ("letters-extra", "kms:*D*e*c*r*y*p*t*s"), ("upper", "KMS:DECRYPT"), ("lower", "kms:decrypt"),
                          ("mixed-star", "KmS:dEc*")):
        want = verdict(glob_match(pattern, "kms:Decrypt", case=False))
        case(f"wild-action-{name}", "wildcard-key-policy", {"key-policy.json": doc(alice(action=pattern))},
             explain(), ok(want), f"{DOC_ACTION}; reference glob says {want}", subprocess=name.endswith(("-x", "-z")))
    # NotAction in a Deny: the deny applies to every action the pattern does not match
    for n, last in ((60, "x"), (60, "t")):
        pattern = "kms:" + "*" * n + last
        matches = glob_match(pattern, "kms:Decrypt", case=False)
        case(f"wild-deny-notaction-{n}stars-{last}", "wildcard-key-policy",
             {"key-policy.json": doc(ROOT_STMT, stmt("Deny", {"AWS": ALICE}, None, "*", NotAction=pattern)),
              "ip.json": IP_ALLOW},
             explain("--identity-policy", "{dir}/ip.json"), ok("Allowed" if matches else "ExplicitlyDenied"),
             f"{DOC_ACTION}; NotAction: the Deny covers every action not matched; {DOC_EVAL}", subprocess=True)
    # Resource patterns against the key ARN
    for name, pattern in (("a5-b", "*a" * 5 + "*b"), ("a6-b", "*a" * 6 + "*b"), ("a40-x", "*a" * 40 + "*x"),
                          ("star60-b", "*" * 60 + "b"), ("star60-x", "*" * 60 + "x"),
                          ("arn-prefix", "arn:aws:kms:*:111122223333:key/*"), ("other-account", "arn:aws:kms:*:444455556666:key/*"),
                          ("q-region", "arn:aws:kms:us-west-?:111122223333:key/" + KEY_ID),
                          ("q-region-short", "arn:aws:kms:us-west-:111122223333:key/" + KEY_ID),
                          ("alias-arn", "arn:aws:kms:us-west-2:111122223333:alias/*")):
        want = verdict(glob_match(pattern, KEY_ARN))
        case(f"wild-ip-resource-{name}", "wildcard-identity-policy",
             {"key-policy.json": KP_ROOT, "ip.json": doc(stmt(resource=pattern))},
             explain("--identity-policy", "{dir}/ip.json"), ok(want),
             f"{DOC_RESOURCE}; reference glob on {KEY_ARN} says {want}", subprocess="40" in name or "60" in name)
    for name, pattern in (("a40-x", "*a" * 40 + "*x"), ("a5-b", "*a" * 5 + "*b")):
        matches = glob_match(pattern, KEY_ARN)
        case(f"wild-deny-notresource-{name}", "wildcard-identity-policy",
             {"key-policy.json": KP_ROOT, "ip.json": doc(stmt(), stmt("Deny", action="kms:*", resource=None, NotResource=pattern))},
             explain("--identity-policy", "{dir}/ip.json"), ok("Allowed" if matches else "ExplicitlyDenied"),
             f"{DOC_RESOURCE}; NotResource: the Deny covers every resource not matched; {DOC_EVAL}", subprocess=True)
    # StringLike / StringNotLike / ArnLike against long values
    hostile = "*a" * 30 + "*b"
    for name, value in (("no-b", "a" * 3000), ("ends-b", "a" * 3000 + "b"), ("b-first", "b" + "a" * 3000)):
        want = verdict(glob_match(hostile, value))
        case(f"wild-stringlike-{name}", "wildcard-condition",
             {"key-policy.json": doc(alice(Condition={"StringLike": {"kms:EncryptionContext:Dept": hostile}}))},
             explain("--context", f"kms:EncryptionContext:Dept={value}"), ok(want), f"{DOC_LIKE}; reference glob says {want}",
             subprocess=name == "no-b")
        case(f"wild-deny-stringnotlike-{name}", "wildcard-condition",
             {"key-policy.json": doc(ROOT_STMT, stmt("Deny", {"AWS": "*"}, "kms:*",
                                                     Condition={"StringNotLike": {"kms:EncryptionContext:Dept": hostile}})),
              "ip.json": IP_ALLOW},
             explain("--identity-policy", "{dir}/ip.json", "--context", f"kms:EncryptionContext:Dept={value}"),
             ok("Allowed" if want == "Allowed" else "ExplicitlyDenied"),
             f"{DOC_LIKE}; StringNotLike holds when the value does not match, so the Deny applies; {DOC_EVAL}",
             subprocess=name == "no-b")
    arn_pattern = "arn:aws:s3:::" + "*a" * 30 + "*x"
    for name, value in (("no-x", "arn:aws:s3:::" + "a" * 2000), ("ends-x", "arn:aws:s3:::" + "a" * 2000 + "x")):
        want = verdict(glob_match(arn_pattern, value))
        case(f"wild-arnlike-sourcearn-{name}", "wildcard-condition",
             {"key-policy.json": doc(alice(Condition={"ArnLike": {"aws:SourceArn": arn_pattern}}))},
             explain("--context", f"aws:SourceArn={value}"), ok(want),
             f"{DOC_LIKE}; ArnLike compares each colon-delimited part; reference glob says {want}", subprocess=name == "no-x")
    # a many-valued condition: 500 hostile patterns, none matching
    case("wild-stringlike-500-patterns", "wildcard-condition",
         {"key-policy.json": doc(alice(Condition={"StringLike": {"kms:EncryptionContext:Dept": ["*a" * 20 + f"*{i}" for i in range(10)] * 50}}))},
         explain("--context", "kms:EncryptionContext:Dept=" + "a" * 1000 + "z"), ok("ImplicitlyDenied"),
         f"{DOC_LIKE}; no pattern ends in z", subprocess=True)
    # ArnLike on aws:PrincipalArn through Principal "*"
    pat = f"arn:aws:iam::{ACCOUNT}:user/" + "*l" * 30 + "*Q"
    case("wild-arnlike-principalarn-hostile", "wildcard-condition",
         {"key-policy.json": doc(stmt(principal={"AWS": "*"}, Condition={"ArnLike": {"aws:PrincipalArn": pat}}))},
         explain(principal=f"arn:aws:iam::{ACCOUNT}:user/" + "l" * 60), ok("ImplicitlyDenied"),
         f"{DOC_LIKE}; the principal ARN does not end in Q", subprocess=True)


# ================================================================================================
# 2. What AWS accepts: ineffective statements, not errors.
# ================================================================================================
def accept_cases() -> None:
    ctx = ["--context", "kms:ViaService=ec2.us-west-2.amazonaws.com"]
    # key-policy statements without Resource / Action
    case("accept-kp-allow-no-resource", "accept-key-policy", {"key-policy.json": doc(alice(resource=None))},
         explain(), ok("ImplicitlyDenied"), DOC_PUTKP)
    case("accept-kp-allow-no-action", "accept-key-policy", {"key-policy.json": doc(alice(action=None))},
         explain(), ok("ImplicitlyDenied"), DOC_PUTKP)
    case("accept-kp-deny-no-resource", "accept-key-policy",
         {"key-policy.json": doc(ROOT_STMT, stmt("Deny", {"AWS": ALICE}, "kms:Decrypt", None)), "ip.json": IP_ALLOW},
         explain("--identity-policy", "{dir}/ip.json"), ok("Allowed"), f"{DOC_PUTKP}; so the Deny denies nothing")
    case("accept-kp-deny-no-action", "accept-key-policy",
         {"key-policy.json": doc(ROOT_STMT, stmt("Deny", {"AWS": ALICE}, None, "*")), "ip.json": IP_ALLOW},
         explain("--identity-policy", "{dir}/ip.json"), ok("Allowed"), f"{DOC_PUTKP}; so the Deny denies nothing")
    case("accept-kp-root-no-resource", "accept-key-policy",
         {"key-policy.json": doc(stmt(principal={"AWS": ROOT}, action="kms:*", resource=None)), "ip.json": IP_ALLOW},
         explain("--identity-policy", "{dir}/ip.json"), ok("ImplicitlyDenied"),
         f"{DOC_PUTKP}: the root statement without Resource enables nothing; {DOC_KP}")
    # empty lists
    for elem in ("Action", "Resource"):
        empty_allow = {**alice(), elem: []}
        case(f"accept-kp-allow-empty-{elem.lower()}", "accept-key-policy", {"key-policy.json": doc(empty_allow)},
             explain(), ok("ImplicitlyDenied"), DOC_EMPTY)
        case(f"accept-kp-deny-empty-{elem.lower()}", "accept-key-policy",
             {"key-policy.json": doc(ROOT_STMT, {**stmt("Deny", {"AWS": ALICE}, "kms:*"), elem: []}), "ip.json": IP_ALLOW},
             explain("--identity-policy", "{dir}/ip.json"), ok("Allowed"), f"{DOC_EMPTY}; the Deny matches nothing")
        case(f"accept-ip-allow-empty-{elem.lower()}", "accept-identity-policy",
             {"key-policy.json": KP_ROOT, "ip.json": doc({**stmt(), elem: []})},
             explain("--identity-policy", "{dir}/ip.json"), ok("ImplicitlyDenied"), DOC_EMPTY)
        case(f"accept-ip-deny-empty-{elem.lower()}", "accept-identity-policy",
             {"key-policy.json": KP_ROOT, "ip.json": doc(stmt(), {**stmt("Deny", action="kms:*"), elem: []})},
             explain("--identity-policy", "{dir}/ip.json"), ok("Allowed"), f"{DOC_EMPTY}; the Deny matches nothing")
    for op in ("StringEquals", "StringLike", "ArnLike", "ForAnyValue:StringEquals"):
        key = "aws:SourceArn" if op == "ArnLike" else "kms:ViaService"
        c = ["--context", "aws:SourceArn=arn:aws:s3:::bucket"] if op == "ArnLike" else ctx
        tag = op.replace(":", "-").lower()
        case(f"accept-kp-allow-empty-condition-{tag}", "accept-key-policy",
             {"key-policy.json": doc(alice(Condition={op: {key: []}}))},
             explain(*c), ok("ImplicitlyDenied"), DOC_EMPTY)
        case(f"accept-kp-deny-empty-condition-{tag}", "accept-key-policy",
             {"key-policy.json": doc(ROOT_STMT, stmt("Deny", {"AWS": ALICE}, "kms:*", Condition={op: {key: []}})),
              "ip.json": IP_ALLOW},
             explain("--identity-policy", "{dir}/ip.json", *c), ok("Allowed"), f"{DOC_EMPTY}; the Deny's condition never holds")
    case("accept-ip-allow-empty-condition", "accept-identity-policy",
         {"key-policy.json": KP_ROOT, "ip.json": doc(stmt(Condition={"StringEquals": {"kms:ViaService": []}}))},
         explain("--identity-policy", "{dir}/ip.json", *ctx), ok("ImplicitlyDenied"), DOC_EMPTY)
    case("accept-kp-empty-condition-object", "accept-key-policy", {"key-policy.json": doc(alice(Condition={}))},
         explain(), ok("Allowed"), "IAM grammar: an empty Condition block has no conditions, so the statement applies")
    # odd but legal shapes
    case("accept-statement-object", "accept-key-policy", {"key-policy.json": {"Version": V, "Statement": alice()}},
         explain(), ok("Allowed"), "IAM grammar: Statement is a statement or a list of statements")
    case("accept-action-one-element-list", "accept-key-policy", {"key-policy.json": doc(alice(action=["kms:Decrypt"]))},
         explain(), ok("Allowed"), DOC_GRAMMAR)
    case("accept-principal-aws-account-id", "accept-key-policy",
         {"key-policy.json": doc(stmt(principal={"AWS": ACCOUNT}, action="kms:*")), "ip.json": IP_ALLOW},
         explain("--identity-policy", "{dir}/ip.json"), ok("Allowed"),
         f"IAM Principal: an account id means the account root; {DOC_KP}")
    case("accept-principal-aws-account-id-no-ip", "accept-key-policy",
         {"key-policy.json": doc(stmt(principal={"AWS": ACCOUNT}, action="kms:*"))},
         explain(), ok("ImplicitlyDenied"), f"{DOC_KP}: enabling IAM policies allows nothing by itself")
    case("accept-principal-star-string", "accept-key-policy", {"key-policy.json": doc(stmt(principal="*"))},
         explain(), ok("Allowed"), "KMS key policies: Principal '*' is every principal (key-policy-overview.html); same account")
    case("accept-version-2008", "accept-key-policy", {"key-policy.json": {"Version": "2008-10-17", "Statement": [alice()]}},
         explain(), ok("Allowed"), "IAM Version: 2008-10-17 is a valid (older) version")
    case("accept-no-version", "accept-key-policy", {"key-policy.json": {"Statement": [alice()]}},
         explain(), ok("Allowed"), "IAM Version: optional (defaults to 2008-10-17)")
    case("accept-id-element", "accept-key-policy", {"key-policy.json": {"Version": V, "Id": "key-default-1", "Statement": [alice()]}},
         explain(), ok("Allowed"), "IAM Id element is allowed")
    case("accept-sid-latin1", "accept-key-policy",
         {"key-policy.json": doc({"Sid": "Allow use of the key (caf\u00e9) - #1", **alice()})},
         explain(), ok("Allowed"), DOC_PUTKP_CHARS + "; \\u00e9 and ASCII punctuation are allowed")
    case("accept-unknown-action", "accept-key-policy", {"key-policy.json": doc(alice(action="kms:Decrpyt"))},
         explain(), ok("ImplicitlyDenied"), "a misspelt action matches no request (README rule unknown-action)")
    case("accept-bool-json-true", "accept-key-policy",
         {"key-policy.json": doc(alice(Condition={"Bool": {"aws:SecureTransport": True}}))},
         explain("--context", "aws:SecureTransport=true"), ok("Allowed"), DOC_BOOL)
    case("accept-bool-json-true-false-request", "accept-key-policy",
         {"key-policy.json": doc(alice(Condition={"Bool": {"aws:SecureTransport": True}}))},
         explain("--context", "aws:SecureTransport=false"), ok("ImplicitlyDenied"), DOC_BOOL)
    case("accept-numeric-json-number", "accept-key-policy",
         {"key-policy.json": doc(alice(action="kms:ScheduleKeyDeletion",
                                       Condition={"NumericGreaterThanEquals": {"kms:ScheduleKeyDeletionPendingWindowInDays": 7}}))},
         explain("--context", "kms:ScheduleKeyDeletionPendingWindowInDays=7", action="kms:ScheduleKeyDeletion"), ok("Allowed"),
         "IAM NumericGreaterThanEquals with a JSON number; 7 >= 7")
    case("accept-numeric-json-number-fails", "accept-key-policy",
         {"key-policy.json": doc(alice(action="kms:ScheduleKeyDeletion",
                                       Condition={"NumericGreaterThanEquals": {"kms:ScheduleKeyDeletionPendingWindowInDays": 30}}))},
         explain("--context", "kms:ScheduleKeyDeletionPendingWindowInDays=7", action="kms:ScheduleKeyDeletion"),
         ok("ImplicitlyDenied"), "IAM NumericGreaterThanEquals: 7 < 30")
    case("accept-ifexists-absent", "accept-key-policy",
         {"key-policy.json": doc(alice(Condition={"StringEqualsIfExists": {"kms:ViaService": "s3.us-west-2.amazonaws.com"}}))},
         explain(), ok("Allowed"), DOC_IFEXISTS)
    case("accept-null-true-absent", "accept-key-policy",
         {"key-policy.json": doc(alice(Condition={"Null": {"kms:ViaService": "true"}}))},
         explain(), ok("Allowed"), DOC_IFEXISTS)
    case("accept-null-false-absent", "accept-key-policy",
         {"key-policy.json": doc(alice(Condition={"Null": {"kms:ViaService": "false"}}))},
         explain(), ok("ImplicitlyDenied"), DOC_IFEXISTS)
    case("accept-whitespace-padding", "accept-identity-policy",
         {"key-policy.json": KP_ROOT, "ip.json": raw("\n" * 2000 + "   " + json.dumps(IP_ALLOW, indent=8) + "\n\t\r\n" * 500)},
         explain("--identity-policy", "{dir}/ip.json"), ok("Allowed"), "JSON whitespace is insignificant (RFC 8259)")
    case("accept-unicode-escapes", "accept-key-policy",
         {"key-policy.json": raw('{"Version":"2012-10-17","Statement":[{"Effect":"\\u0041llow","Principal":{"AWS":"'
                                 + ALICE + '"},"Action":"kms:\\u0044ecrypt","Resource":"*"}]}')},
         explain(), ok("Allowed"), "JSON \\u escapes are the same characters (RFC 8259)")
    case("accept-homoglyph-identity-action", "accept-identity-policy",
         {"key-policy.json": KP_ROOT, "ip.json": doc(stmt(action="kms:D\u0435crypt"))},
         explain("--identity-policy", "{dir}/ip.json"), {"exit": [0, 2], "first_word": "ImplicitlyDenied"},
         "Cyrillic \\u0435 is not 'e': the action matches nothing (or the policy is refused); never Allowed")
    case("accept-long-sid-many-statements", "accept-identity-policy",
         {"key-policy.json": KP_ROOT,
          "ip.json": doc(*[{"Sid": f"S{i}", **stmt(action=f"kms:Describe{i}")} for i in range(2000)], stmt())},
         explain("--identity-policy", "{dir}/ip.json"), ok("Allowed"), "the last of 2001 statements allows Decrypt")
    case("accept-deny-wins-over-allow-same-policy", "accept-identity-policy",
         {"key-policy.json": KP_ROOT, "ip.json": doc(stmt(), stmt("Deny"))},
         explain("--identity-policy", "{dir}/ip.json"), ok("ExplicitlyDenied"), DOC_EVAL)


# ================================================================================================
# 3. What AWS rejects: one line on stderr naming the file, exit 2.
# ================================================================================================
def reject_cases() -> None:
    def kp_case(name: str, content: Any, why: str, *contains: str) -> None:
        case(f"reject-kp-{name}", "reject-key-policy", {"key-policy.json": content}, explain(),
             bad("key-policy.json", **({"stderr_contains": list(contains)} if contains else {})), why)

    def ip_case(name: str, content: Any, why: str, *contains: str) -> None:
        case(f"reject-ip-{name}", "reject-identity-policy", {"key-policy.json": KP_ROOT, "ip.json": content},
             explain("--identity-policy", "{dir}/ip.json"),
             bad("ip.json", **({"stderr_contains": list(contains)} if contains else {})), why)

    alice_s = json.dumps(ALICE)
    # NaN / Infinity
    for tok in ("NaN", "Infinity", "-Infinity"):
        kp_case(f"{tok.lower()}-condition-value",
                raw('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":' + alice_s + '},'
                    '"Action":"kms:Decrypt","Resource":"*","Condition":{"NumericLessThan":{"kms:ScheduleKeyDeletionPendingWindowInDays":'
                    + tok + '}}}]}'), DOC_JSON)
        ip_case(f"{tok.lower()}-in-version", raw('{"Version":' + tok + ',"Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}]}'),
                DOC_JSON)
    kp_case("nan-as-sid", raw('{"Version":"2012-10-17","Statement":[{"Sid":NaN,"Effect":"Allow","Principal":{"AWS":' + alice_s
                             + '},"Action":"kms:Decrypt","Resource":"*"}]}'), DOC_JSON)
    # Sids PutKeyPolicy refuses
    for name, sid in (("euro", "Allow \u20ac"), ("bell", "Allow\u0007"), ("emoji", "Allow \U0001F511"),
                      ("cyrillic", "\u0410llow"), ("nul", "Allow\u0000use"), ("u0100", "Allow\u0100"),
                      ("escape", "Allow\u001b[31m")):
        kp_case(f"sid-{name}", doc({"Sid": sid, **alice()}), DOC_PUTKP_CHARS, "Sid")
    kp_case("sid-lone-surrogate", raw('{"Version":"2012-10-17","Statement":[{"Sid":"A\\ud800","Effect":"Allow","Principal":{"AWS":'
                                      + alice_s + '},"Action":"kms:Decrypt","Resource":"*"}]}'), DOC_PUTKP_CHARS, "Sid")
    kp_case("sid-number", doc({"Sid": 5, **alice()}), "IAM Sid: a string", "Sid")
    kp_case("sid-list", doc({"Sid": ["a"], **alice()}), "IAM Sid: a string", "Sid")
    kp_case("action-cyrillic", doc(alice(action="kms:D\u0435crypt")), DOC_PUTKP_CHARS)
    kp_case("condition-value-cjk", doc(alice(Condition={"StringEquals": {"kms:EncryptionContext:Dept": "\u65e5\u672c"}})),
            DOC_PUTKP_CHARS)
    kp_case("no-principal", doc(stmt()), DOC_PUTKP_PRINCIPAL, "Principal")
    kp_case("principal-empty-object", doc(stmt(principal={})), DOC_PUTKP_PRINCIPAL, "Principal")
    # duplicate keys
    kp_case("dup-effect", raw('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Effect":"Deny","Principal":{"AWS":'
                              + alice_s + '},"Action":"kms:Decrypt","Resource":"*"}]}'),
            "duplicate JSON keys are ambiguous (RFC 8259: names SHOULD be unique); kmstui refuses them (tests/malformed/021)", "Effect")
    kp_case("dup-action", raw('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":' + alice_s
                              + '},"Action":"kms:Encrypt","Action":"kms:Decrypt","Resource":"*"}]}'),
            "duplicate JSON keys are refused (tests/malformed/021)", "Action")
    kp_case("dup-statement", raw('{"Version":"2012-10-17","Statement":[],"Statement":[{"Effect":"Allow","Principal":{"AWS":'
                                 + alice_s + '},"Action":"kms:Decrypt","Resource":"*"}]}'), "duplicate JSON keys are refused", "Statement")
    kp_case("dup-condition-operator",
            raw('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":' + alice_s
                + '},"Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"kms:ViaService":"a"},"StringEquals":{"kms:ViaService":"b"}}}]}'),
            "duplicate JSON keys are refused", "StringEquals")
    kp_case("dup-condition-key",
            raw('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":' + alice_s
                + '},"Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"kms:ViaService":"a","kms:ViaService":"b"}}}]}'),
            "duplicate JSON keys are refused", "kms:ViaService")
    kp_case("dup-principal-aws", raw('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"' + BOB
                                     + '","AWS":' + alice_s + '},"Action":"kms:Decrypt","Resource":"*"}]}'),
            "duplicate JSON keys are refused", "AWS")
    ip_case("dup-version", raw('{"Version":"2012-10-17","Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}]}'),
            "duplicate JSON keys are refused", "Version")
    # non-string types everywhere
    types = {
        "effect-number": {"Effect": 1}, "effect-null": {"Effect": None}, "effect-list": {"Effect": ["Allow"]},
        "effect-bool": {"Effect": True},
        "action-number": {"Action": 5}, "action-object": {"Action": {"kms": "Decrypt"}}, "action-list-number": {"Action": [5]},
        "action-null": {"Action": None}, "action-bool": {"Action": True}, "action-list-null": {"Action": ["kms:Decrypt", None]},
        "action-nested-list": {"Action": [["kms:Decrypt"]]},
        "resource-number": {"Resource": 5}, "resource-object": {"Resource": {}}, "resource-list-null": {"Resource": [None]},
        "resource-bool": {"Resource": False},
        "condition-string": {"Condition": "StringEquals"}, "condition-list": {"Condition": []},
        "condition-op-string": {"Condition": {"StringEquals": "kms:ViaService"}},
        "condition-op-list": {"Condition": {"StringEquals": ["kms:ViaService"]}},
        "condition-value-object": {"Condition": {"StringEquals": {"kms:ViaService": {"a": "b"}}}},
        "condition-value-null": {"Condition": {"StringEquals": {"kms:ViaService": None}}},
        "condition-value-nested-list": {"Condition": {"StringEquals": {"kms:ViaService": [["x"]]}}},
        "condition-value-list-null": {"Condition": {"StringEquals": {"kms:ViaService": ["x", None]}}},
        "condition-unknown-operator": {"Condition": {"StringEqual": {"kms:ViaService": "x"}}},
        "condition-op-number": {"Condition": {"StringEquals": 5}},
        "notaction-number": {"NotAction": 5},
        "unknown-element": {"Actions": "kms:Decrypt"},
    }
    for name, change in types.items():
        s = {**alice(), **change}
        if "NotAction" in change:
            s.pop("Action")
        if "Actions" in change:
            s.pop("Action")
        element = next(iter(change))
        kp_case(name, doc(s), DOC_GRAMMAR, element if element != "Actions" else "Actions")
        if name in ("effect-number", "action-object", "resource-number", "condition-value-object", "condition-string",
                    "action-list-null", "condition-unknown-operator"):
            ip_s = {k: v for k, v in s.items() if k != "Principal"}
            ip_case(name, doc(ip_s), DOC_GRAMMAR, element)
    for name, change in (("principal-number", 5), ("principal-list", ["arn:aws:iam::111122223333:user/Alice"]),
                         ("principal-aws-number", {"AWS": 5}), ("principal-aws-list-number", {"AWS": [ALICE, 5]}),
                         ("principal-aws-object", {"AWS": {}}), ("principal-null", None),
                         ("principal-unknown-type", {"Cat": ALICE})):
        kp_case(name, doc({**alice(), "Principal": change}), DOC_GRAMMAR, "Principal")
    for name, value in (("version-number", 2012), ("version-null", None), ("version-bad", "2012-10-18")):
        kp_case(name, {"Version": value, "Statement": [alice()]}, "IAM Version: 2012-10-17 or 2008-10-17", "Version")
    for name, value in (("statement-null", None), ("statement-number", 5), ("statement-string", "Allow"),
                        ("statement-list-number", [5]), ("statement-nested-list", [[alice()]]), ("statement-list-null", [alice(), None])):
        kp_case(name, {"Version": V, "Statement": value}, DOC_GRAMMAR, "Statement")
    for name, content in (("top-list", raw(json.dumps([doc(alice())]))), ("top-string", raw('"Statement"')), ("top-number", raw("5")),
                          ("top-null", raw("null")), ("empty-file", raw("")), ("empty-object", raw("{}")),
                          ("only-whitespace", raw(" \n\t\n ")), ("truncated", raw(json.dumps(doc(alice()))[:-7])),
                          ("trailing-garbage", raw(json.dumps(doc(alice())) + " x")), ("bom-then-garbage", raw("\ufeff{")),
                          ("single-quotes", raw(json.dumps(doc(alice())).replace('"', "'"))),
                          ("comment", raw("// key policy\n" + json.dumps(doc(alice())))),
                          ("control-char-in-string", raw(json.dumps(doc(alice())).replace("kms:Decrypt", "kms:Dec\x01rypt"))),
                          ("deep-condition-1000", raw(json.dumps(doc(alice(Condition={"StringEquals": {"kms:ViaService": "@"}}))).replace('"@"', "[" * 1000 + '"x"' + "]" * 1000))),
                          ("deep-resource-500", raw(json.dumps(doc(alice(resource="@"))).replace('"@"', "[" * 500 + '"*"' + "]" * 500)))):
        kp_case(name, content, DOC_GRAMMAR + "; JSON that does not parse, or an element of the wrong type")
    ip_case("principal-in-identity", doc(stmt(principal={"AWS": ALICE})), "IAM: identity policies have no Principal element", "Principal")
    ip_case("notprincipal-in-identity", doc({**stmt(), "NotPrincipal": {"AWS": ALICE}}), "IAM: identity policies have no NotPrincipal", "NotPrincipal")
    ip_case("effect-alow-line", raw('{\n  "Version": "2012-10-17",\n  "Statement": [\n    {\n      "Effect": "Alow",\n'
                                    '      "Action": "kms:Decrypt",\n      "Resource": "*"\n    }\n  ]\n}\n'),
            "README: one line naming the file, line and element", "line 5", "Statement[0].Effect")
    # the other policy flags name their file too
    for flag, fname in (("--boundary", "boundary.json"), ("--session-policy", "session.json"), ("--scp", "scp.json"),
                        ("--rcp", "rcp.json"), ("--vpce-policy", "vpce.json")):
        content = doc({"Effect": "Allow", "Action": "*", "Resource": "*", "Principal": "*"} if flag == "--vpce-policy"
                      else {"Effect": "Alow", "Action": "*", "Resource": "*"})
        if flag == "--vpce-policy":
            content = doc({"Effect": "Allow", "Action": 5, "Resource": "*", "Principal": "*"})
        case(f"reject-flag{flag[1:]}", "reject-other-policy", {"key-policy.json": KP_ROOT, "ip.json": IP_ALLOW, fname: content},
             explain("--identity-policy", "{dir}/ip.json", flag, "{dir}/" + fname), bad(fname), DOC_GRAMMAR)
    case("reject-scp-list-with-number", "reject-other-policy",
         {"key-policy.json": KP_ROOT, "ip.json": IP_ALLOW, "scp.json": [doc(stmt(action="*")), 5]},
         explain("--identity-policy", "{dir}/ip.json", "--scp", "{dir}/scp.json"), bad("scp.json"),
         "README: an --scp level is a policy or a JSON list of policies")
    case("reject-scp-list-of-lists", "reject-other-policy",
         {"key-policy.json": KP_ROOT, "ip.json": IP_ALLOW, "scp.json": [[doc(stmt(action="*"))]]},
         explain("--identity-policy", "{dir}/ip.json", "--scp", "{dir}/scp.json"), bad("scp.json"),
         "README: an --scp level is a policy or a JSON list of policies")
    case("reject-key-policy-for-unknown-key", "reject-key-policy",
         {"key-policy.json": doc(alice())},
         explain(key_policy=f"{KEY2_ID}=" + "{dir}/key-policy.json"), {"exit": [0, 2], "first_word": "ImplicitlyDenied"},
         "the only key policy given is for another key: this key has no key policy, so nothing allows (KMS: the key policy is required)")


# ================================================================================================
# 4. Saved AWS CLI output given to the explain flags.
# ================================================================================================
def cli_output_cases() -> None:
    tag_policy = doc(alice(Condition={"StringEquals": {"aws:ResourceTag/Project": "Alpha"}}))
    good_tags = {"Tags": [{"TagKey": "Project", "TagValue": "Alpha"}], "Truncated": False}
    case("cli-tags-good", "cli-output", {"key-policy.json": tag_policy, "tags.json": good_tags},
         explain("--key-tags", "{dir}/tags.json"), ok("Allowed"), "aws:ResourceTag/Project is the key's tag (ABAC, abac.html)")
    case("cli-tags-good-other-value", "cli-output",
         {"key-policy.json": tag_policy, "tags.json": {"Tags": [{"TagKey": "Project", "TagValue": "Beta"}]}},
         explain("--key-tags", "{dir}/tags.json"), ok("ImplicitlyDenied"), "aws:ResourceTag/Project is Beta, not Alpha")
    case("cli-tags-object-form", "cli-output", {"key-policy.json": tag_policy, "tags.json": {"Project": "Alpha"}},
         explain("--key-tags", "{dir}/tags.json"), ok("Allowed"), "README: --key-tags takes list-resource-tags output or a {key: value} object")
    # kmstui's choice: the list inside saved output (Tags, Aliases, Grants) is read as the output itself
    case("cli-tags-list", "cli-output", {"key-policy.json": tag_policy, "tags.json": [{"TagKey": "Project", "TagValue": "Alpha"}]},
         explain("--key-tags", "{dir}/tags.json"), ok("Allowed"), "the Tags list of list-resource-tags output, read as the output")
    for name, content in (("iam-shape", {"Tags": [{"Key": "Project", "Value": "Alpha"}]}),
                          ("tags-string", {"Tags": "Project=Alpha"}),
                          ("tagkey-number", {"Tags": [{"TagKey": 5, "TagValue": "Alpha"}]}),
                          ("no-tagvalue", {"Tags": [{"TagKey": "Project"}]}), ("object-value-number", {"Project": 5}),
                          ("object-value-object", {"Project": {"a": 1}}), ("tags-entry-string", {"Tags": ["Project"]}),
                          ("nan", raw('{"Tags":[{"TagKey":"Project","TagValue":NaN}]}')), ("number", raw("7"))):
        case(f"cli-tags-{name}", "cli-output", {"key-policy.json": tag_policy, "tags.json": content},
             explain("--key-tags", "{dir}/tags.json"), bad("tags.json"), DOC_SHAPE + "; list-resource-tags gives TagKey/TagValue")
    dk = {"KeyMetadata": {"AWSAccountId": ACCOUNT, "KeyId": KEY_ID, "Arn": KEY_ARN, "Enabled": True, "KeyUsage": "ENCRYPT_DECRYPT",
                          "KeyState": "Enabled", "Origin": "AWS_KMS", "KeyManager": "CUSTOMER", "KeySpec": "SYMMETRIC_DEFAULT",
                          "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT", "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"],
                          "MultiRegion": False}}
    spec_policy = doc(alice(Condition={"StringEquals": {"kms:KeySpec": "SYMMETRIC_DEFAULT"}}))
    case("cli-metadata-good", "cli-output", {"key-policy.json": spec_policy, "dk.json": dk},
         explain("--key-metadata", "{dir}/dk.json"), ok("Allowed"), "kms:KeySpec is the key's KeySpec (conditions-kms.html#conditions-kms-key-spec)")
    sign = {"KeyMetadata": {**dk["KeyMetadata"], "KeyUsage": "SIGN_VERIFY", "KeySpec": "ECC_NIST_P256",
                            "CustomerMasterKeySpec": "ECC_NIST_P256", "SigningAlgorithms": ["ECDSA_SHA_256"]}}
    sign["KeyMetadata"].pop("EncryptionAlgorithms")
    case("cli-metadata-encrypt-on-signing-key", "key-type", {"key-policy.json": KP_ROOT, "ip.json": IP_ALL, "dk.json": sign},
         explain("--identity-policy", "{dir}/ip.json", "--key-metadata", "{dir}/dk.json", action="kms:Encrypt"),
         {"exit": [0, 2], "first_word_not": "Allowed"}, DOC_KEYTYPE)
    case("cli-metadata-sign-on-symmetric-key", "key-type", {"key-policy.json": KP_ROOT, "ip.json": IP_ALL, "dk.json": dk},
         explain("--identity-policy", "{dir}/ip.json", "--key-metadata", "{dir}/dk.json", action="kms:Sign"),
         {"exit": [0, 2], "first_word_not": "Allowed"}, DOC_KEYTYPE)
    case("cli-metadata-generatemac-on-symmetric-key", "key-type", {"key-policy.json": KP_ROOT, "ip.json": IP_ALL, "dk.json": dk},
         explain("--identity-policy", "{dir}/ip.json", "--key-metadata", "{dir}/dk.json", action="kms:GenerateMac"),
         {"exit": [0, 2], "first_word_not": "Allowed"}, DOC_KEYTYPE)
    rsa = {"KeyMetadata": {**dk["KeyMetadata"], "KeySpec": "RSA_2048", "CustomerMasterKeySpec": "RSA_2048",
                           "EncryptionAlgorithms": ["RSAES_OAEP_SHA_256"]}}
    case("cli-metadata-generatedatakey-on-rsa-key", "key-type", {"key-policy.json": KP_ROOT, "ip.json": IP_ALL, "dk.json": rsa},
         explain("--identity-policy", "{dir}/ip.json", "--key-metadata", "{dir}/dk.json", action="kms:GenerateDataKey"),
         {"exit": [0, 2], "first_word_not": "Allowed"}, DOC_KEYTYPE)
    case("cli-metadata-decrypt-on-symmetric-key-control", "key-type", {"key-policy.json": KP_ROOT, "ip.json": IP_ALL, "dk.json": dk},
         explain("--identity-policy", "{dir}/ip.json", "--key-metadata", "{dir}/dk.json"), ok("Allowed"),
         "control: Decrypt is supported by a SYMMETRIC_DEFAULT ENCRYPT_DECRYPT key")
    for name, content in (("list", [dk]), ("metadata-list", {"KeyMetadata": [dk["KeyMetadata"]]}),
                          ("metadata-string", {"KeyMetadata": KEY_ARN}), ("keyspec-number", {"KeyMetadata": {**dk["KeyMetadata"], "KeySpec": 5}}),
                          ("arn-number", {"KeyMetadata": {**dk["KeyMetadata"], "Arn": 5}}),
                          ("multiregion-string-object", {"KeyMetadata": {**dk["KeyMetadata"], "MultiRegion": {"x": 1}}}),
                          ("no-keymetadata", {"Keymetadata": dk["KeyMetadata"]}), ("null", raw("null")),
                          ("nan", raw(json.dumps(dk).replace('"Enabled": true', '"Enabled": NaN')))):
        case(f"cli-metadata-{name}", "cli-output", {"key-policy.json": spec_policy, "dk.json": content},
             explain("--key-metadata", "{dir}/dk.json"), bad("dk.json"), DOC_SHAPE + "; describe-key gives {KeyMetadata: {...}}")
    aliases = {"Aliases": [{"AliasName": "alias/app", "AliasArn": f"arn:aws:kms:us-west-2:{ACCOUNT}:alias/app", "TargetKeyId": KEY_ID}]}
    case("cli-aliases-good", "cli-output", {"key-policy.json": doc(alice()), "aliases.json": aliases},
         explain("--aliases", "{dir}/aliases.json", resource="alias/app"), ok("Allowed"),
         "KMS: a key used through its alias is authorized against the key (alias-authorization.html)")
    for name, content in (("no-aliases", {"Alias": aliases["Aliases"]}), ("aliases-object", {"Aliases": {}}),
                          ("aliases-strings", {"Aliases": ["alias/app"]}),
                          ("aliasname-number", {"Aliases": [{"AliasName": 5, "TargetKeyId": KEY_ID}]}),
                          ("aliasname-empty", {"Aliases": [{"AliasName": "", "AliasArn": f"arn:aws:kms:us-west-2:{ACCOUNT}:alias/app", "TargetKeyId": KEY_ID}]}),
                          ("aliasname-no-prefix", {"Aliases": [{"AliasName": "app", "TargetKeyId": KEY_ID}]}),
                          ("targetkeyid-list", {"Aliases": [{"AliasName": "alias/app", "TargetKeyId": [KEY_ID]}]}),
                          ("nan", raw('{"Aliases":[{"AliasName":"alias/app","TargetKeyId":NaN}]}'))):
        case(f"cli-aliases-{name}", "cli-output", {"key-policy.json": doc(alice()), "aliases.json": content},
             explain("--aliases", "{dir}/aliases.json", resource="alias/app"), bad("aliases.json"),
             DOC_SHAPE + "; list-aliases gives {Aliases: [{AliasName, AliasArn, TargetKeyId}]}")
    case("cli-aliases-bare-list", "cli-output", {"key-policy.json": doc(alice()), "aliases.json": aliases["Aliases"]},
         explain("--aliases", "{dir}/aliases.json", resource="alias/app"), ok("Allowed"),
         "the Aliases list of list-aliases output, read as the output")
    # grants
    def grant(**kw: Any) -> dict:
        g = {"KeyId": KEY_ARN, "GrantId": "0c237476b39f8bc44e45212e08498fbe3151305030726c0590dd8d3e9f3d6a60", "Name": "",
             "GranteePrincipal": ALICE, "IssuingAccount": ROOT, "Operations": ["Decrypt"]}
        g.update(kw)
        return g
    kp_bob = doc(stmt(principal={"AWS": BOB}))
    case("cli-grants-good", "grants", {"key-policy.json": kp_bob, "grants.json": {"Grants": [grant()]}},
         explain("--grants", "{dir}/grants.json"), ok("Allowed"), DOC_GRANTS)
    case("cli-grants-other-operation", "grants", {"key-policy.json": kp_bob, "grants.json": {"Grants": [grant(Operations=["Encrypt"])]}},
         explain("--grants", "{dir}/grants.json"), ok("ImplicitlyDenied"), DOC_GRANTS + "; the grant does not include Decrypt")
    case("cli-grants-other-grantee", "grants", {"key-policy.json": kp_bob, "grants.json": {"Grants": [grant(GranteePrincipal=BOB)]}},
         explain("--grants", "{dir}/grants.json"), ok("ImplicitlyDenied"), DOC_GRANTS + "; Alice is not the grantee")
    case("cli-grants-subset-match", "grants",
         {"key-policy.json": kp_bob, "grants.json": {"Grants": [grant(Constraints={"EncryptionContextSubset": {"Dept": "IT"}})]}},
         explain("--grants", "{dir}/grants.json", "--context", "kms:EncryptionContext:Dept=IT", "--context", "kms:EncryptionContext:Other=x"),
         ok("Allowed"), "KMS grant constraints: EncryptionContextSubset holds when the request's context includes the pairs")
    case("cli-grants-subset-mismatch", "grants",
         {"key-policy.json": kp_bob, "grants.json": {"Grants": [grant(Constraints={"EncryptionContextSubset": {"Dept": "IT"}})]}},
         explain("--grants", "{dir}/grants.json", "--context", "kms:EncryptionContext:Dept=HR"), ok("ImplicitlyDenied"),
         "KMS grant constraints: Dept=HR is not Dept=IT")
    case("cli-grants-equals-extra-pair", "grants",
         {"key-policy.json": kp_bob, "grants.json": {"Grants": [grant(Constraints={"EncryptionContextEquals": {"Dept": "IT"}})]}},
         explain("--grants", "{dir}/grants.json", "--context", "kms:EncryptionContext:Dept=IT", "--context", "kms:EncryptionContext:Other=x"),
         ok("ImplicitlyDenied"), "KMS grant constraints: EncryptionContextEquals requires exactly the pairs")
    case("cli-grants-deny-in-key-policy-wins", "grants",
         {"key-policy.json": doc(ROOT_STMT, stmt("Deny", {"AWS": ALICE}, "kms:Decrypt")), "grants.json": {"Grants": [grant()]}},
         explain("--grants", "{dir}/grants.json"), ok("ExplicitlyDenied"), f"{DOC_EVAL}; a grant cannot override an explicit deny")
    for name, content in (("op-does-not-exist", {"Grants": [grant(Operations=["Decrypt", "Fly"])]}),
                          ("op-reencrypt", {"Grants": [grant(Operations=["ReEncrypt"])]}),
                          ("op-createkey", {"Grants": [grant(Operations=["CreateKey"])]}),
                          ("op-wildcard", {"Grants": [grant(Operations=["Decrypt*"])]}),
                          ("op-kms-prefix", {"Grants": [grant(Operations=["kms:Decrypt"])]})):
        case(f"cli-grants-{name}", "grants", {"key-policy.json": kp_bob, "grants.json": content},
             explain("--grants", "{dir}/grants.json"), bad("grants.json"), DOC_GRANT_OPS)
    case("cli-grants-bare-list", "grants", {"key-policy.json": kp_bob, "grants.json": [grant()]},
         explain("--grants", "{dir}/grants.json"), ok("Allowed"), "the Grants list of list-grants output, read as the output")
    for name, content in (("grants-object", {"Grants": {}}), ("grant-number", {"Grants": [5]}),
                          ("operations-string", {"Grants": [grant(Operations="Decrypt")]}),
                          ("operations-number", {"Grants": [grant(Operations=[1])]}),
                          ("grantee-number", {"Grants": [grant(GranteePrincipal=5)]}),
                          ("constraints-string", {"Grants": [grant(Constraints="Dept=IT")]}),
                          ("constraints-value-number", {"Grants": [grant(Constraints={"EncryptionContextSubset": {"Dept": 5}})]}),
                          ("keyid-number", {"Grants": [grant(KeyId=5)]}),
                          ("nan", raw('{"Grants":[{"KeyId":"' + KEY_ARN + '","GranteePrincipal":"' + ALICE + '","Operations":["Decrypt"],"GrantId":NaN}]}')),
                          ("no-grants", {"Grant": [grant()]})):
        case(f"cli-grants-{name}", "grants", {"key-policy.json": kp_bob, "grants.json": content},
             explain("--grants", "{dir}/grants.json"), bad("grants.json"), DOC_SHAPE + "; list-grants gives {Grants: [...]}")
    # get-key-policy / get-policy-version output
    for name, content in (("policy-number", {"Policy": 5}), ("policy-empty", {"Policy": ""}), ("policy-bad-json", {"Policy": "{bad"}),
                          ("policy-list", {"Policy": "[]"}),
                          ("policy-inner-nan", {"Policy": '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*","Sid":NaN}]}'}),
                          ("policy-inner-bad-effect", {"Policy": json.dumps(doc({**alice(), "Effect": "Alow"}), indent=2)})):
        case(f"cli-getkeypolicy-{name}", "cli-output", {"key-policy.json": content}, explain(), bad("key-policy.json"),
             DOC_SHAPE + "; get-key-policy gives {Policy: '<json text>'}")
    case("cli-getkeypolicy-good", "cli-output", {"key-policy.json": {"Policy": json.dumps(doc(alice()), indent=4), "PolicyName": "default"}},
         explain(), ok("Allowed"), "README: policy files may be saved get-key-policy output")
    gpv = {"PolicyVersion": {"Document": IP_ALLOW, "VersionId": "v1", "IsDefaultVersion": True}}
    case("cli-getpolicyversion-good", "cli-output", {"key-policy.json": KP_ROOT, "ip.json": gpv},
         explain("--identity-policy", "{dir}/ip.json"), ok("Allowed"), "README: identity policy files may be saved get-policy-version output")
    for name, content in (("document-number", {"PolicyVersion": {"Document": 5}}), ("policyversion-string", {"PolicyVersion": "v1"}),
                          ("no-document", {"PolicyVersion": {"VersionId": "v1"}}), ("document-list", {"PolicyVersion": {"Document": [IP_ALLOW]}})):
        case(f"cli-getpolicyversion-{name}", "cli-output", {"key-policy.json": KP_ROOT, "ip.json": content},
             explain("--identity-policy", "{dir}/ip.json"), bad("ip.json"), DOC_SHAPE)
    # context files and flags
    for name, content in (("list", [["kms:ViaService", "x"]]), ("value-object", {"kms:ViaService": {"a": 1}}),
                          ("nan", raw('{"kms:ViaService": NaN}')), ("value-list-object", {"kms:ViaService": [{"a": 1}]}),
                          ("null", raw("null"))):
        case(f"cli-contextfile-{name}", "cli-output", {"key-policy.json": doc(alice()), "ctx.json": content},
             explain("--context-file", "{dir}/ctx.json"), bad("ctx.json"), "README: --context-file is a JSON object of context keys to values")
    case("cli-contextfile-good", "cli-output",
         {"key-policy.json": doc(alice(Condition={"StringEquals": {"kms:ViaService": "s3.us-west-2.amazonaws.com"}})),
          "ctx.json": {"kms:ViaService": "s3.us-west-2.amazonaws.com"}},
         explain("--context-file", "{dir}/ctx.json"), ok("Allowed"), "kms:ViaService StringEquals the given value")
    case("cli-context-no-equals", "cli-args", {"key-policy.json": doc(alice())}, explain("--context", "kms:ViaService"),
         bad(stderr_contains=["context"]), "README: --context KEY=VALUE")
    case("cli-key-policy-missing-file", "cli-args", {}, explain(key_policy="{dir}/nope.json"), bad("nope.json"),
         "README: a file that cannot be used is one line naming it")


# ================================================================================================
# 5. Rules AWS documents that a verdict must follow (issue 9 "Verdicts").
# ================================================================================================
def rule_cases() -> None:
    case("rule-notprincipal-deny-with-boundary", "rule", {
        "key-policy.json": doc(ROOT_STMT, {"Effect": "Deny", "NotPrincipal": {"AWS": [ALICE, ROOT]}, "Action": "kms:*", "Resource": "*"}),
        "ip.json": IP_ALL, "boundary.json": IP_ALL},
        explain("--identity-policy", "{dir}/ip.json", "--boundary", "{dir}/boundary.json"), ok("ExplicitlyDenied"), DOC_NOTPRINCIPAL)
    case("rule-notprincipal-deny-without-boundary", "rule", {
        "key-policy.json": doc(ROOT_STMT, {"Effect": "Deny", "NotPrincipal": {"AWS": [ALICE, ROOT]}, "Action": "kms:*", "Resource": "*"}),
        "ip.json": IP_ALL},
        explain("--identity-policy", "{dir}/ip.json"), ok("Allowed"), "IAM NotPrincipal: the Deny excludes the listed principal (control)")
    case("rule-grantoperations-not-sent-on-decrypt-deny", "rule", {
        "key-policy.json": doc(ROOT_STMT, stmt("Deny", {"AWS": "*"}, "kms:*", Condition={"ForAnyValue:StringEquals": {"kms:GrantOperations": "Decrypt"}})),
        "ip.json": IP_ALLOW},
        explain("--identity-policy", "{dir}/ip.json", "--context", "kms:GrantOperations=Decrypt"), ok("Allowed"),
        DOC_CTXKEYS + "; ForAnyValue on an absent key is false, so the Deny does not apply")
    case("rule-grantoperations-not-sent-on-decrypt-allow", "rule", {
        "key-policy.json": doc(alice(Condition={"StringEquals": {"kms:GrantOperations": "Decrypt"}}))},
        explain("--context", "kms:GrantOperations=Decrypt"), ok("ImplicitlyDenied"), DOC_CTXKEYS)
    for op, res in (("CreateAlias", ["alias/aws/mine", KEY_ARN]), ("DeleteAlias", ["alias/aws/s3"]),
                    ("UpdateAlias", ["alias/aws/s3", KEY_ARN])):
        args = ["explain", "--principal", ALICE, "--action", f"kms:{op}"]
        for r in res:
            args += ["--resource", r]
        args += ["--key-policy", "{dir}/key-policy.json", "--identity-policy", "{dir}/ip.json"]
        files = {"key-policy.json": KP_ROOT, "ip.json": doc(stmt(action="kms:*"))}
        if op == "UpdateAlias":
            files["aliases.json"] = {"Aliases": [{"AliasName": "alias/aws/s3", "AliasArn": f"arn:aws:kms:us-west-2:{ACCOUNT}:alias/aws/s3",
                                                  "TargetKeyId": KEY2_ID}]}
            args += ["--aliases", "{dir}/aliases.json"]
        case(f"rule-reserved-alias-{op.lower()}", "rule", files, args, {"exit": [0, 2], "first_word_not": "Allowed"}, DOC_RESERVED)
    case("rule-cross-account-key-policy-and-iam", "rule", {
        "key-policy.json": doc(ROOT_STMT, stmt(principal={"AWS": f"arn:aws:iam::{OTHER}:root"})), "ip.json": IP_ALLOW},
        explain("--identity-policy", "{dir}/ip.json", principal=f"arn:aws:iam::{OTHER}:user/Carol"), ok("Allowed"), DOC_CROSS)
    case("rule-cross-account-no-key-policy", "rule", {"key-policy.json": KP_ROOT, "ip.json": IP_ALLOW},
         explain("--identity-policy", "{dir}/ip.json", principal=f"arn:aws:iam::{OTHER}:user/Carol"), ok("ImplicitlyDenied"), DOC_CROSS)
    case("rule-cross-account-no-iam", "rule", {"key-policy.json": doc(ROOT_STMT, stmt(principal={"AWS": f"arn:aws:iam::{OTHER}:root"}))},
         explain(principal=f"arn:aws:iam::{OTHER}:user/Carol"), ok("ImplicitlyDenied"), DOC_CROSS)
    case("rule-scp-deny", "rule", {"key-policy.json": KP_ROOT, "ip.json": IP_ALLOW,
                                   "scp.json": doc(stmt(action="*"), stmt("Deny", action="kms:Decrypt"))},
         explain("--identity-policy", "{dir}/ip.json", "--scp", "{dir}/scp.json"), ok("ExplicitlyDenied"),
         "Organizations SCPs: an explicit Deny in an SCP denies (orgs_manage_policies_scps_evaluation.html)")
    case("rule-scp-no-allow", "rule", {"key-policy.json": KP_ROOT, "ip.json": IP_ALLOW, "scp.json": doc(stmt(action="s3:*"))},
         explain("--identity-policy", "{dir}/ip.json", "--scp", "{dir}/scp.json"), ok("ImplicitlyDenied"),
         "Organizations SCPs: an action not allowed by the SCP is denied")
    case("rule-boundary-no-allow", "rule", {"key-policy.json": KP_ROOT, "ip.json": IP_ALLOW, "b.json": doc(stmt(action="kms:Encrypt"))},
         explain("--identity-policy", "{dir}/ip.json", "--boundary", "{dir}/b.json"), ok("ImplicitlyDenied"),
         "IAM permissions boundaries: the effective permissions are the intersection (access_policies_boundaries.html)")
    case("rule-boundary-no-allow-key-policy-names-user", "rule",
         {"key-policy.json": doc(alice()), "b.json": doc(stmt(action="kms:Encrypt"))},
         explain("--boundary", "{dir}/b.json"), ok("Allowed"),
         "IAM evaluation: a resource-based policy naming the IAM user directly is not limited by the user's boundary "
         "(reference_policies_evaluation-logic.html, 'resource-based policies and permissions boundaries')")


# ================================================================================================
# 6. Saved snapshots with fields of the wrong type.
# ================================================================================================
SNAP_PRINCIPAL = ALICE
MATRIX_SUBSET = {"metadata-string", "metadata-keyspec-number", "tags-list", "tags-value-number", "aliases-string", "aliases-entry-number",
                 "policy-object", "policy-number", "policy-bad-effect", "grants-string", "grants-bad-operation", "arn-not-arn",
                 "key-string", "principal-inline-string", "principal-inline-bad-effect", "scp-levels-level-string", "format-version-2"}


def good_snapshot() -> dict:
    return {
        "format": "kmstui-snapshot", "format_version": 1,
        "keys": [{"arn": KEY_ARN, "metadata": {"AWSAccountId": ACCOUNT, "KeyId": KEY_ID, "Arn": KEY_ARN, "KeyUsage": "ENCRYPT_DECRYPT",
                                              "KeySpec": "SYMMETRIC_DEFAULT", "KeyManager": "CUSTOMER", "KeyState": "Enabled",
                                              "Enabled": True, "Origin": "AWS_KMS", "MultiRegion": False},
                  "policy": json.dumps(doc(ROOT_STMT), indent=2), "tags": {"Project": "Alpha"},
                  "aliases": [{"AliasName": "alias/app", "AliasArn": f"arn:aws:kms:us-west-2:{ACCOUNT}:alias/app", "TargetKeyId": KEY_ID}],
                  "grants": [], "origin": "test"}],
        "principals": [{"arn": ALICE, "kind": "user", "name": "Alice",
                        "inline_policies": [{"name": "decrypt", "document": json.dumps(IP_ALLOW)}],
                        "managed_policies": [], "groups": [], "boundary": None, "tags": {}, "origin": "test"}],
        "managed_policies": {}, "org_policies": {}, "scp_levels": {}, "rcp_levels": {}, "vpc_endpoint_policies": {},
        "errors": [], "sources": ["test"], "created": "2026-01-01T00:00:00Z",
    }


def snapshot_cases() -> None:
    snap_explain = ["explain", "--snapshot", "{dir}/snap.json", "--principal", ALICE, "--action", "kms:Decrypt", "--resource", "alias/app"]
    snap_matrix = ["matrix", "--key", "alias/app", "--snapshot", "{dir}/snap.json"]
    snap_lint = ["lint", "--snapshot", "{dir}/snap.json"]
    case("snap-good-explain", "snapshot", {"snap.json": good_snapshot()}, snap_explain, ok("Allowed"),
         f"control: the key policy enables IAM and Alice's inline policy allows Decrypt; {DOC_KP}")
    case("snap-good-matrix", "snapshot", {"snap.json": good_snapshot()}, snap_matrix, {"exit": 0}, "control: a good snapshot")

    def key_set(field: str, value: Any):
        def f(s: dict) -> None:
            s["keys"][0][field] = value
        return f

    def pr_set(field: str, value: Any):
        def f(s: dict) -> None:
            s["principals"][0][field] = value
        return f

    def top(field: str, value: Any):
        def f(s: dict) -> None:
            s[field] = value
        return f

    def drop_key(field: str):
        def f(s: dict) -> None:
            del s["keys"][0][field]
        return f

    mutations: dict[str, tuple[Any, str]] = {
        "metadata-string": (key_set("metadata", "ENCRYPT_DECRYPT"), "keys[0].metadata"),
        "metadata-list": (key_set("metadata", [1, 2]), "keys[0].metadata"),
        "metadata-keyspec-number": (lambda s: s["keys"][0]["metadata"].__setitem__("KeySpec", 5), "keys[0].metadata"),
        "tags-list": (key_set("tags", [{"Key": "Project", "Value": "Alpha"}]), "keys[0].tags"),
        "tags-string": (key_set("tags", "Project=Alpha"), "keys[0].tags"),
        "tags-value-number": (key_set("tags", {"Project": 5}), "keys[0].tags"),
        "aliases-string": (key_set("aliases", "alias/app"), "keys[0].aliases"),
        "aliases-object": (key_set("aliases", {"alias/app": KEY_ID}), "keys[0].aliases"),
        "aliases-entry-number": (key_set("aliases", [5]), "keys[0].aliases"),
        "policy-object": (key_set("policy", doc(ROOT_STMT)), "keys[0].policy"),
        "policy-number": (key_set("policy", 5), "keys[0].policy"),
        "policy-list": (key_set("policy", [json.dumps(doc(ROOT_STMT))]), "keys[0].policy"),
        "policy-bad-effect": (key_set("policy", '{\n "Version": "2012-10-17",\n "Statement": [\n  {"Effect": "Alow", "Principal": "*", "Action": "kms:*", "Resource": "*"}\n ]\n}'),
                              "keys[0].policy"),
        "grants-string": (key_set("grants", "none"), "keys[0].grants"),
        "grants-bad-operation": (key_set("grants", [{"KeyId": KEY_ARN, "GranteePrincipal": ALICE, "Operations": ["Fly"], "GrantId": "g1"}]),
                                 "keys[0].grants"),
        "arn-number": (key_set("arn", 5), "keys[0].arn"),
        "arn-not-arn": (key_set("arn", "not-an-arn"), "keys[0].arn"),
        "key-no-arn": (drop_key("arn"), "keys[0]"),
        "key-string": (lambda s: s.__setitem__("keys", ["arn:aws:kms:us-west-2:111122223333:key/x"]), "keys[0]"),
        "keys-object": (top("keys", {KEY_ARN: {}}), "keys"),
        "principals-string": (top("principals", "Alice"), "principals"),
        "principal-inline-string": (pr_set("inline_policies", "decrypt"), "principals[0].inline_policies"),
        "principal-inline-document-object": (lambda s: s["principals"][0]["inline_policies"][0].__setitem__("document", 5),
                                             "principals[0].inline_policies[0]"),
        "principal-inline-bad-effect": (lambda s: s["principals"][0]["inline_policies"][0].__setitem__(
            "document", '{"Version":"2012-10-17","Statement":[{"Effect":"Alow","Action":"kms:*","Resource":"*"}]}'),
            "principals[0].inline_policies[0]"),
        "principal-tags-list": (pr_set("tags", [{"Key": "a", "Value": "b"}]), "principals[0].tags"),
        "principal-managed-string": (pr_set("managed_policies", "arn:aws:iam::aws:policy/X"), "principals[0].managed_policies"),
        "principal-arn-number": (pr_set("arn", 12), "principals[0].arn"),
        "managed-list": (top("managed_policies", [1]), "managed_policies"),
        "scp-levels-string": (top("scp_levels", "root"), "scp_levels"),
        "scp-levels-level-string": (top("scp_levels", {ACCOUNT: ["p-1"]}), "scp_levels"),
        "errors-string": (top("errors", "none"), "errors"),
        "vpce-list": (top("vpc_endpoint_policies", ["x"]), "vpc_endpoint_policies"),
        "format-version-2": (top("format_version", 2), "format_version"),
        "format-version-string": (top("format_version", "1"), "format_version"),
    }
    for name, (mutate, path) in mutations.items():
        s = good_snapshot()
        mutate(s)
        commands = [("explain", snap_explain)]
        if name in MATRIX_SUBSET:
            commands.append(("matrix", snap_matrix))
        for cmd, args in commands:
            contains = [] if path.startswith("format") else [path] + (["Statement[0].Effect"] if name == "policy-bad-effect" else [])
            case(f"snap-{name}-{cmd}", "snapshot", {"snap.json": s}, args, bad("snap.json", stderr_contains=contains),
                 DOC_SNAPSHOT + f"; error names the file and {path}")
        if name in ("metadata-string", "tags-list", "aliases-string", "policy-number", "policy-bad-effect", "grants-bad-operation",
                    "principal-inline-string", "keys-object"):
            if name in ("policy-bad-effect", "grants-bad-operation"):
                case(f"snap-{name}-lint", "snapshot", {"snap.json": s}, snap_lint,
                     {"exit": [0, 1, 2], "output_contains": ["Alow" if name == "policy-bad-effect" else "Fly"]},
                     "issue 9: lint must not pass silently over an invalid policy or grant: an invalid-policy finding or an error that shows it")
            else:
                case(f"snap-{name}-lint", "snapshot", {"snap.json": s}, snap_lint, bad("snap.json"),
                     DOC_SNAPSHOT + "; a lone file that cannot be used stops there (README 'Loading files')")
    for tok in ("NaN", "Infinity"):
        text = json.dumps(good_snapshot(), indent=1).replace('"format_version": 1', f'"format_version": 1, "x": {tok}')
        case(f"snap-{tok.lower()}-explain", "snapshot", {"snap.json": raw(text)}, snap_explain, bad("snap.json"), DOC_JSON)


# ================================================================================================
# 7. Folders of saved CLI output.
# ================================================================================================
def folder_cases() -> None:
    list_keys = {"Keys": [{"KeyId": KEY_ID, "KeyArn": KEY_ARN}]}
    kp_alice = doc(alice(resource=KEY_ARN))
    base = {"kms/list-keys.json": list_keys, f"keys/{KEY_ID}/policy.json": {"Policy": json.dumps(kp_alice, indent=2)}}
    fx = ["explain", "--snapshot", "{dir}", "--principal", ALICE, "--action", "kms:Decrypt"]
    case("folder-list-keys-no-describe-key-by-id", "folder", base, fx + ["--resource", KEY_ID], ok("Allowed"),
         "issue 9 'Never invent where a key lives': the region comes from list-keys' KeyArn (us-west-2), so Resource naming the ARN matches")
    case("folder-list-keys-no-describe-key-by-arn", "folder", base, fx + ["--resource", KEY_ARN], ok("Allowed"),
         "the key policy allows Alice on the key's ARN")
    case("folder-grant-names-key-arn", "folder",
         {f"keys/{KEY_ID}/policy.json": kp_alice,
          f"keys/{KEY_ID}/grants.json": {"Grants": [{"KeyId": KEY_ARN, "GrantId": "g1", "GranteePrincipal": BOB, "Operations": ["Encrypt"]}]}},
         fx + ["--resource", KEY_ID], ok("Allowed"), "README: the key's ARN may come from a grant's KeyId; Resource names that ARN")
    case("folder-alias-only-region-source", "folder",
         {f"keys/{KEY_ID}/policy.json": kp_alice,
          "kms/list-aliases.json": {"Aliases": [{"AliasName": "alias/app", "AliasArn": f"arn:aws:kms:us-west-2:{ACCOUNT}:alias/app", "TargetKeyId": KEY_ID}]}},
         fx + ["--resource", "alias/app"], ok("Allowed"), "README: the key's ARN may come from list-aliases' AliasArn (region, account) and TargetKeyId")
    case("folder-no-arn-source", "folder", {f"keys/{KEY_ID}/policy.json": kp_alice}, fx + ["--resource", KEY_ID],
         {"exit": [0, 2], "stderr_lines": "any", "output_contains": ["describe-key"]},
         "issue 9: nothing says where the key lives: no guessed region may reach a decision; the output says how to give it (describe-key)")
    # one bad file among good ones: the rest loads and the bad one is a warning naming it
    bad_files = {"nan": raw('{"Keys": NaN}'), "truncated": raw('{"Keys": ['), "wrong-shape": {"Hello": "world"},
                 "tags-iam-shape": {"Tags": [{"Key": "a", "Value": "b"}]}, "invalid-utf8": raw("\udcff"),
                 "bad-policy": doc({**alice(), "Effect": "Alow"})}
    for name, content in bad_files.items():
        where = f"keys/{KEY2_ID}/{name}.json" if name in ("tags-iam-shape", "bad-policy") else f"kms/{name}.json"
        case(f"folder-one-bad-{name}", "folder", {**base, where: content}, fx + ["--resource", KEY_ARN],
             ok("Allowed", stderr_contains=[f"{name}.json"]), DOC_FOLDER)
    case("folder-directory-named-json", "folder", {**base, "kms/odd.json/readme.txt": raw("not json")}, fx + ["--resource", KEY_ARN],
         ok("Allowed"), DOC_FOLDER + "; a directory named *.json is not a file to read")
    # unusable folders
    useless = {"a.json": raw("{"), "b.json": {"Hello": 1}, "c.json": raw("NaN")}
    for cmd, args in (("explain", fx + ["--resource", KEY_ARN]), ("lint", ["lint", "{dir}"]), ("lint-snapshot", ["lint", "--snapshot", "{dir}"]),
                      ("matrix", ["matrix", "--key", KEY_ARN, "--snapshot", "{dir}"])):
        case(f"folder-only-unusable-{cmd}", "folder", useless, args,
             {"exit": 2, "stderr_lines": "any", "stderr_contains": ["a.json", "b.json", "c.json"]},
             "issue 9: lint exits non-zero when nothing it was given could be read; nothing loaded is bad input (exit 2); "
             "each unusable file is named (README: a load error is printed as a warning)")
    case("folder-only-txt-files", "folder", {"notes.txt": raw("hello"), "sub/more.md": raw("# x")}, fx + ["--resource", KEY_ARN],
         {"exit": 2}, "README: a folder is read for *.json only; none means nothing to load")
    # GAAD with one bad managed policy
    good_mp = {"PolicyName": "GoodPolicy", "Arn": f"arn:aws:iam::{ACCOUNT}:policy/GoodPolicy", "DefaultVersionId": "v1",
               "PolicyVersionList": [{"Document": IP_ALLOW, "VersionId": "v1", "IsDefaultVersion": True}]}
    bad_mp = {"PolicyName": "BadPolicy", "Arn": f"arn:aws:iam::{ACCOUNT}:policy/BadPolicy", "DefaultVersionId": "v1",
              "PolicyVersionList": [{"Document": doc({"Effect": "Alow", "Action": "kms:*", "Resource": "*"}), "VersionId": "v1",
                                     "IsDefaultVersion": True}]}
    other_mp = {"PolicyName": "OtherPolicy", "Arn": f"arn:aws:iam::{ACCOUNT}:policy/OtherPolicy", "DefaultVersionId": "v1",
                "PolicyVersionList": [{"Document": doc(stmt(action="kms:Encrypt")), "VersionId": "v1", "IsDefaultVersion": True}]}

    def gaad(*policies: dict) -> dict:
        return {"UserDetailList": [
            {"Path": "/", "UserName": "Alice", "UserId": "AIDAEXAMPLEALICE", "Arn": ALICE, "UserPolicyList": [], "GroupList": [],
             "AttachedManagedPolicies": [{"PolicyName": "GoodPolicy", "PolicyArn": f"arn:aws:iam::{ACCOUNT}:policy/GoodPolicy"}], "Tags": []},
            {"Path": "/", "UserName": "Bob", "UserId": "AIDAEXAMPLEBOB", "Arn": BOB, "UserPolicyList": [], "GroupList": [],
             "AttachedManagedPolicies": [{"PolicyName": "BadPolicy", "PolicyArn": f"arn:aws:iam::{ACCOUNT}:policy/BadPolicy"}], "Tags": []}],
            "GroupDetailList": [], "RoleDetailList": [], "Policies": list(policies)}

    gfiles = {"kms/list-keys.json": list_keys, f"keys/{KEY_ID}/policy.json": KP_ROOT}
    for name, bad_policy in (("bad-effect", bad_mp),
                             ("document-number", {**bad_mp, "PolicyVersionList": [{"Document": 5, "VersionId": "v1", "IsDefaultVersion": True}]}),
                             ("no-default-version", {**bad_mp, "PolicyVersionList": []}),
                             ("versionlist-string", {**bad_mp, "PolicyVersionList": "v1"})):
        files = {**gfiles, "iam/gaad.json": gaad(good_mp, bad_policy, other_mp)}
        case(f"gaad-one-bad-managed-{name}-explain", "gaad", files, fx + ["--resource", KEY_ARN], ok("Allowed", stderr_contains=["BadPolicy"]),
             DOC_GAAD)
        case(f"gaad-one-bad-managed-{name}-lint", "gaad", files, ["lint", "{dir}"], {"exit": 0, "output_contains": ["BadPolicy"]},
             DOC_GAAD + "; lint lints a folder as explain reads it")
    bad_inline = gaad(good_mp, other_mp)
    bad_inline["UserDetailList"][1]["UserPolicyList"] = [{"PolicyName": "BadInline", "PolicyDocument": "%7Bnot-json"}]
    case("gaad-one-bad-inline-explain", "gaad", {**gfiles, "iam/gaad.json": bad_inline}, fx + ["--resource", KEY_ARN],
         ok("Allowed", stderr_contains=["BadInline"]), DOC_GAAD)
    case("gaad-whole-file-lone", "gaad", {"gaad.json": gaad(good_mp, bad_mp)},
         ["explain", "--snapshot", "{dir}/gaad.json", "--principal", ALICE, "--action", "kms:Decrypt", "--resource", KEY_ARN],
         {"exit": [0, 2], "stderr_lines": "any", "output_contains": ["gaad.json", "BadPolicy"]}, "a lone GAAD file names no key: either a clear one-line error or a verdict")
    case("lint-folder-of-cli-output", "lint", {**gfiles, "iam/gaad.json": gaad(good_mp, other_mp),
                                               f"keys/{KEY_ID}/tags.json": {"Tags": [{"TagKey": "a", "TagValue": "b"}]}},
         ["lint", "{dir}"], {"exit": 0}, "issue 9: lint lints a folder of saved CLI output as explain --snapshot DIR reads it")
    case("lint-single-bad-policy-fail-on-high", "lint", {"p.json": doc({"Effect": "Alow", "Action": "kms:*", "Resource": "*"})},
         ["lint", "{dir}/p.json", "--fail-on", "high"], {"exit": [1, 2], "output_contains": ["p.json"]},
         "README: invalid-policy is a high finding (or an unreadable input): never a pass")
    case("lint-hostile-wildcards", "lint", {"p.json": doc(stmt(action="kms:" + "*" * 60 + "x", resource="*a" * 40 + "*x"),
                                                          stmt(action="*", Condition={"StringLike": {"aws:PrincipalArn": "*a" * 40 + "*b"}}))},
         ["lint", "{dir}/p.json"], {"exit": 0}, "issue 9 'Never hang': lint of a short hostile policy finishes", subprocess=True)


# ================================================================================================
# 8. Inputs generated at test time: FIFOs, devices, directories, 60 MB files, 100k-deep JSON.
# ================================================================================================
def generated_cases() -> None:
    kp = {"key-policy.json": KP_ROOT, "ip.json": IP_ALLOW}
    e_ip = explain("--identity-policy", "{dir}/ip.json")
    specials = {
        "fifo": ("{tmp}/pipe.json", [{"kind": "fifo", "path": "pipe.json"}], "pipe.json"),
        "dev-zero": ("/dev/zero", [], "/dev/zero"),
        "dev-null": ("/dev/null", [], "/dev/null"),
        "directory": ("{tmp}/adir.json", [{"kind": "dir", "path": "adir.json"}], "adir.json"),
        "big-60mb": ("{tmp}/big.json", [{"kind": "big", "path": "big.json", "mb": 60}], "big.json"),
        "big-60mb-one-line": ("{tmp}/big.json", [{"kind": "big-line", "path": "big.json", "mb": 60}], "big.json"),
        "deep-100k-list": ("{tmp}/deep.json", [{"kind": "deep", "path": "deep.json", "depth": 100000, "shape": "list"}], "deep.json"),
        "deep-100k-object": ("{tmp}/deep.json", [{"kind": "deep", "path": "deep.json", "depth": 100000, "shape": "object"}], "deep.json"),
        "deep-100k-in-statement": ("{tmp}/deep.json", [{"kind": "deep", "path": "deep.json", "depth": 100000, "shape": "statement"}], "deep.json"),
        "random-bytes": ("{tmp}/bytes.json", [{"kind": "bytes", "path": "bytes.json", "size": 4096}], "bytes.json"),
    }
    flags = {"key-policy": lambda p: explain("--identity-policy", "{dir}/ip.json", key_policy=p),
             "identity-policy": lambda p: e_ip + ["--identity-policy", p],
             "grants": lambda p: e_ip + ["--grants", p], "key-tags": lambda p: e_ip + ["--key-tags", p],
             "context-file": lambda p: e_ip + ["--context-file", p], "snapshot": lambda p: ["explain", "--snapshot", p, "--principal", ALICE,
                                                                                             "--action", "kms:Decrypt", "--resource", KEY_ARN],
             "lint": lambda p: ["lint", p], "matrix": lambda p: ["matrix", "--key", KEY_ARN, "--snapshot", p]}
    combos = {"key-policy": list(specials), "identity-policy": ["fifo", "dev-zero", "directory", "big-60mb", "deep-100k-list", "random-bytes"],
              "grants": ["fifo", "dev-zero", "directory", "deep-100k-object"], "key-tags": ["fifo", "dev-zero", "deep-100k-list"],
              "context-file": ["fifo", "dev-zero", "deep-100k-object"], "snapshot": ["fifo", "dev-zero", "big-60mb", "deep-100k-object", "random-bytes", "dev-null"],
              "lint": ["fifo", "dev-zero", "directory", "big-60mb", "deep-100k-list", "deep-100k-in-statement"],
              "matrix": ["fifo", "dev-zero", "deep-100k-list"]}
    for flag, kinds in combos.items():
        for k in kinds:
            path, gen, name = specials[k]
            if flag in ("snapshot", "lint", "matrix") and k == "directory":
                continue
            files = {} if flag in ("snapshot", "lint", "matrix") else kp
            case(f"gen-{flag}-{k}", "generated", files, flags[flag](path), bad(name), DOC_READER, generate=gen, subprocess=True)
    # a special file inside a folder is a load error; the rest loads
    base = {"kms/list-keys.json": {"Keys": [{"KeyId": KEY_ID, "KeyArn": KEY_ARN}]},
            f"keys/{KEY_ID}/policy.json": doc(alice(resource=KEY_ARN))}
    for k, gen in (("fifo", {"kind": "fifo", "path": "kms/pipe.json"}), ("big-60mb", {"kind": "big", "path": "kms/big.json", "mb": 60}),
                   ("deep-100k", {"kind": "deep", "path": "kms/deep.json", "depth": 100000, "shape": "list"}),
                   ("deep-100k-statement", {"kind": "deep", "path": "kms/deep.json", "depth": 100000, "shape": "statement"})):
        case(f"gen-folder-with-{k}", "generated", {}, ["explain", "--snapshot", "{tmp}/account", "--principal", ALICE, "--action", "kms:Decrypt",
                                                       "--resource", KEY_ARN],
             ok("Allowed", stderr_contains=[gen["path"].split("/")[-1]]), DOC_FOLDER + "; " + DOC_READER,
             generate=[{"kind": "files", "path": "account", "files": base}, {**gen, "path": "account/" + gen["path"]}], subprocess=True)
    for cmd, args in (("explain", ["explain", "--snapshot", "{tmp}/empty", "--principal", ALICE, "--action", "kms:Decrypt", "--resource", KEY_ARN]),
                      ("lint", ["lint", "{tmp}/empty"]), ("matrix", ["matrix", "--key", KEY_ARN, "--snapshot", "{tmp}/empty"])):
        case(f"gen-empty-folder-{cmd}", "generated", {}, args, bad("empty"), "README: a folder with no .json files cannot be used",
             generate=[{"kind": "dir", "path": "empty"}])
    case("gen-identity-policy-15mb-whitespace", "generated", {"key-policy.json": KP_ROOT}, e_ip[:-2] + ["--identity-policy", "{tmp}/ws.json"],
         ok("Allowed"), "under the 20 MB limit (README); JSON whitespace is insignificant, IAM does not count it",
         generate=[{"kind": "padded", "path": "ws.json", "mb": 15, "document": IP_ALLOW}], subprocess=True)


def write() -> None:
    if CASES.exists():
        shutil.rmtree(CASES)
    CASES.mkdir()
    manifest = []
    for c in CASE_LIST:
        folder = CASES / c["name"]
        folder.mkdir()
        for rel, content in c.pop("files").items():
            path = folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, dict) and "__raw__" in content:
                path.write_bytes(content["__raw__"].encode("utf-8", "surrogateescape"))
            else:
                path.write_text(json.dumps(content, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        if not any(folder.iterdir()):
            (folder / "README").write_text("this case reads only generated or absent files\n")
        manifest.append(c)
    (HERE / "cases.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    kinds: dict[str, int] = {}
    for c in manifest:
        kinds[c["kind"]] = kinds.get(c["kind"], 0) + 1
    print(len(manifest), "cases", kinds)


if __name__ == "__main__":
    wildcard_cases()
    accept_cases()
    reject_cases()
    cli_output_cases()
    rule_cases()
    snapshot_cases()
    folder_cases()
    generated_cases()
    write()
