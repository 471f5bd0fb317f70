"""Two accounts in moto's server on loopback, with profiles (and environment credentials) for each.

Shared by the fault and app tests: ``from moto_accounts import Moto, moto`` brings the module-scoped
fixture (one server per test module). Credentials come from moto's STS AssumeRole and are written
to temporary AWS config files; the user's ~/.aws and AWS_* variables are never read.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Iterator

import boto3
import pytest

ONE, TWO = "111122223333", "444455556666"
REGION = "us-west-2"
DOC_ACCESS_KEY = ("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")


class Moto:
    def __init__(self, url: str, directory: Path) -> None:
        self.url = url
        self.directory = directory
        self.config = directory / "config"
        self.credentials = directory / "credentials"
        self.keys: dict[str, list[str]] = {}
        self.env_credentials: dict[str, dict[str, str]] = {}

    def add_account(self, account: str, profile: str, keys: int) -> None:
        base = boto3.Session(aws_access_key_id=DOC_ACCESS_KEY[0], aws_secret_access_key=DOC_ACCESS_KEY[1],
                             region_name="us-east-1")
        creds = base.client("sts", endpoint_url=self.url).assume_role(
            RoleArn=f"arn:aws:iam::{account}:role/KmstuiFaults", RoleSessionName="kmstui-test")["Credentials"]
        self.env_credentials[account] = {"AWS_ACCESS_KEY_ID": creds["AccessKeyId"],
                                         "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
                                         "AWS_SESSION_TOKEN": creds["SessionToken"]}
        with self.credentials.open("a") as file:
            file.write(f"[{profile}]\naws_access_key_id = {creds['AccessKeyId']}\n"
                       f"aws_secret_access_key = {creds['SecretAccessKey']}\naws_session_token = {creds['SessionToken']}\n\n")
        with self.config.open("a") as file:
            file.write(f"[profile {profile}]\nregion = {REGION}\n\n")
        session = boto3.Session(profile_name=profile)
        kms = session.client("kms", endpoint_url=self.url)
        arns = []
        for number in range(keys):
            arn = kms.create_key(Description=f"{profile} key {number}", KeySpec="ECC_NIST_P256",
                                 KeyUsage="SIGN_VERIFY")["KeyMetadata"]["Arn"]
            kms.create_alias(AliasName=f"alias/{profile}-{number}", TargetKeyId=arn.rsplit("/", 1)[1])
            arns.append(arn)
        session.client("iam", endpoint_url=self.url).create_user(UserName=f"{profile}-user")
        self.keys[account] = arns

    def key_id(self, account: str, number: int) -> bytes:
        return self.keys[account][number].rsplit("/", 1)[1].encode()


@pytest.fixture(scope="module")
def moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Moto]:
    from moto.server import ThreadedMotoServer

    directory = tmp_path_factory.mktemp("aws-faults")
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith(("AWS_", "KMSTUI_")):
                patch.delenv(name)
        patch.setenv("AWS_CONFIG_FILE", str(directory / "config"))
        patch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(directory / "credentials"))
        patch.setenv("AWS_EC2_METADATA_DISABLED", "true")
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        state = Moto(f"http://{host}:{port}", directory)
        reset(state.url)  # moto's backends are shared by every server in this process: start from nothing
        state.config.write_text("")
        state.credentials.write_text("")
        state.add_account(ONE, "faults-one", 4)
        state.add_account(TWO, "faults-two", 2)
        try:
            yield state
        finally:
            reset(state.url)
            server.stop()


def reset(url: str) -> None:
    """moto's own reset endpoint: every backend empty again."""
    import urllib.request

    urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"), timeout=30).close()


