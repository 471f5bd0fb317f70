"""How much the thread pool buys when loading an account: concurrent vs sequential load_account.

Not a test (pytest does not collect ``bench_*``): run ``python tests/bench_sources.py`` and read the
figures. It starts moto's server on loopback, seeds one account (AWS's documentation id
111122223333) with KEYS keys (each with a key policy, 2 aliases, 3 grants) and PRINCIPALS
principals (users and roles with an inline policy each), then times ``load_account`` with
max_workers=16 and max_workers=1 against the same server.

Caveat: moto runs in this process, so the server and the loader share one interpreter (and its
GIL): on loopback every call costs moto's Python time and threads mostly contend for it. A real
account is different: each call waits tens of milliseconds on the network. ``--latency-ms`` (default
``0,20``) repeats the comparison with that round-trip simulated by a ``before-send`` hook on the
boto3 session that sleeps before each request is sent, which is where the thread pool pays off.

Seeding is slow: moto makes a 2048-bit RSA key behind every symmetric key (about 60 ms each);
``--key-spec ECC_NIST_P256`` seeds much faster. Options: ``--keys N --principals N --repeat N``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import boto3

ACCOUNT = "111122223333"
REGION = "us-west-2"
DOC_ACCESS_KEY = ("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
PROFILE = "example-bench"


def isolate_aws_config(directory: Path) -> None:
    """Point boto3 at empty temporary config files: the user's ~/.aws and AWS_* never count."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            del os.environ[name]
    os.environ["AWS_CONFIG_FILE"] = str(directory / "config")
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = str(directory / "credentials")
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    (directory / "config").write_text(f"[profile {PROFILE}]\nregion = {REGION}\n")


def start_server() -> tuple[Any, str]:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return server, f"http://{host}:{port}"


def write_profile(url: str, directory: Path) -> None:
    """Credentials for ACCOUNT: moto's STS maps assumed-role keys to the role's account."""
    base = boto3.Session(aws_access_key_id=DOC_ACCESS_KEY[0], aws_secret_access_key=DOC_ACCESS_KEY[1],
                         region_name="us-east-1")
    creds = base.client("sts", endpoint_url=url).assume_role(
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/KmstuiBench", RoleSessionName="bench")["Credentials"]
    (directory / "credentials").write_text(
        f"[{PROFILE}]\naws_access_key_id = {creds['AccessKeyId']}\naws_secret_access_key = {creds['SecretAccessKey']}\n"
        f"aws_session_token = {creds['SessionToken']}\n")


def key_policy(number: int) -> str:
    return json.dumps({"Version": "2012-10-17", "Id": f"key-policy-{number}", "Statement": [
        {"Sid": "Enable IAM policies", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
         "Action": "kms:*", "Resource": "*"},
        {"Sid": "Allow use", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/app-{number % 50}"},
         "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": "*"}]}, indent=2)


def progress_line(label: str, done: int, total: int, started: float) -> None:
    if done == total or done % max(1, total // 20) == 0:
        print(f"  {label}: {done}/{total} ({time.perf_counter() - started:.0f} s)", flush=True)


def seed(url: str, keys: int, principals: int, key_spec: str) -> None:
    """KEYS keys with policy, 2 aliases, 3 grants; PRINCIPALS users and roles with inline policies."""
    session = boto3.Session(profile_name=PROFILE)
    kms = session.client("kms", endpoint_url=url)
    iam = session.client("iam", endpoint_url=url)
    usage = {} if key_spec == "SYMMETRIC_DEFAULT" else {"KeyUsage": "SIGN_VERIFY"}
    operations = ["Decrypt", "Encrypt", "GenerateDataKey"] if not usage else ["Sign", "Verify", "GetPublicKey"]
    started = time.perf_counter()
    for number in range(keys):
        key_id = kms.create_key(Policy=key_policy(number), KeySpec=key_spec, Description=f"bench key {number}",
                                **usage)["KeyMetadata"]["KeyId"]
        for alias in (f"alias/bench-{number:04d}", f"alias/bench-{number:04d}-app"):
            kms.create_alias(AliasName=alias, TargetKeyId=key_id)
        for grant in range(3):
            kms.create_grant(KeyId=key_id, GranteePrincipal=f"arn:aws:iam::{ACCOUNT}:role/app-{(number + grant) % 50}",
                             Operations=operations[: grant + 1],
                             Constraints={"EncryptionContextSubset": {"app": f"app-{grant}"}})
        progress_line("keys", number + 1, keys, started)
    document = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["kms:Decrypt", "kms:DescribeKey"], "Resource": "*"}]})
    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    started = time.perf_counter()
    for number in range(principals):
        if number % 2:
            iam.create_user(UserName=f"user-{number:04d}")
            iam.put_user_policy(UserName=f"user-{number:04d}", PolicyName="kms", PolicyDocument=document)
        else:
            name = f"app-{number // 2}"
            iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)
            iam.put_role_policy(RoleName=name, PolicyName="kms", PolicyDocument=document)
        progress_line("principals", number + 1, principals, started)


def session_with_latency(latency_ms: float) -> boto3.Session:
    """A session whose clients wait ``latency_ms`` before each request, like a network round-trip."""
    session = boto3.Session(profile_name=PROFILE)
    if latency_ms > 0:
        session.events.register("before-send", lambda **_: time.sleep(latency_ms / 1000))
    return session


def time_load(url: str, workers: int, repeat: int, latency_ms: float) -> tuple[float, Any]:
    """The best of ``repeat`` loads (seconds) and the last Snapshot."""
    from kmstui.sources.aws_account import load_account

    best, snapshot = float("inf"), None
    for _ in range(repeat):
        session = session_with_latency(latency_ms)
        started = time.perf_counter()
        snapshot = load_account(session=session, endpoint_url=url, max_workers=workers)
        best = min(best, time.perf_counter() - started)
    return best, snapshot


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=1000)
    parser.add_argument("--principals", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=1, help="loads per setting; the best is reported")
    parser.add_argument("--key-spec", default="SYMMETRIC_DEFAULT", help="e.g. ECC_NIST_P256 to seed faster")
    parser.add_argument("--latency-ms", default="0,20", help="simulated round-trips to compare, comma-separated")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="kmstui-bench-") as temporary:
        directory = Path(temporary)
        isolate_aws_config(directory)
        server, url = start_server()
        try:
            write_profile(url, directory)
            print(f"seeding {args.keys} keys ({args.key_spec}; policy, 2 aliases, 3 grants each) "
                  f"and {args.principals} principals into moto at {url} ...", flush=True)
            started = time.perf_counter()
            seed(url, args.keys, args.principals, args.key_spec)
            print(f"seeded in {time.perf_counter() - started:.1f} s", flush=True)
            results = []
            for latency in [float(v) for v in args.latency_ms.split(",") if v.strip()]:
                print(f"loading with {latency:g} ms simulated latency ...", flush=True)
                concurrent, snapshot = time_load(url, 16, args.repeat, latency)
                sequential, _ = time_load(url, 1, args.repeat, latency)
                results.append((latency, concurrent, sequential))
        finally:
            server.stop()
    grants = sum(len(k.grants) for k in snapshot.keys)
    aliases = sum(len(k.aliases) for k in snapshot.keys)
    print(f"loaded {len(snapshot.keys)} keys, {aliases} aliases, {grants} grants, {len(snapshot.principals)} principals, "
          f"{len(snapshot.errors)} load errors ({'; '.join(e.what for e in snapshot.errors) or 'none'})")
    print(f"os.cpu_count() = {os.cpu_count()}")
    print(f"{'latency':>10} {'max_workers=16':>15} {'max_workers=1':>14} {'speed-up':>9}")
    for latency, concurrent, sequential in results:
        print(f"{latency:>8g}ms {concurrent:>14.2f}s {sequential:>13.2f}s {sequential / concurrent:>8.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
