"""The moto speed patches (src/trailwatch/harness/moto_speedups.py) change no answer: each is held
to moto's own code."""

from __future__ import annotations

import copy

import pytest
from moto import backends
from moto.core import responses as core_responses
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.kms.models import Key, kms_backends
from moto.kms.responses import KmsResponse
from moto.logs.responses import LogsResponse
from moto.stepfunctions.responses import StepFunctionResponse

from trailwatch.harness import moto_speedups
from trailwatch.harness.emulator import Emulator
from trailwatch.harness.moto_speedups import LazyPrivateKey


def test_the_module_list_is_moto_own_listing(emulator: Emulator) -> None:
    listed = list(moto_speedups.original_list_of_moto_modules()())
    assert {"kms", "logs", "cloudtrail", "sns"} <= set(listed)
    assert backends.list_of_moto_modules is not moto_speedups.original_list_of_moto_modules()
    assert list(backends.list_of_moto_modules()) == listed
    # The dispatcher still finds each service's backend through it.
    assert emulator.client("logs").describe_log_groups()["logGroups"] == []
    assert emulator.client("kms").list_keys()["Keys"] == []


def test_each_response_class_lists_the_methods_moto_would(emulator: Emulator) -> None:
    own = moto_speedups.original_method_names_from_class()
    listed = core_responses.method_names_from_class  # type: ignore[attr-defined]
    assert listed is not own
    for clazz in (KmsResponse, LogsResponse, StepFunctionResponse):
        assert listed(clazz) == own(clazz)
    # The shims' methods are there (they were added before the lists were kept).
    assert "list_state_machine_versions" in listed(StepFunctionResponse)
    # Requests are still dispatched to their methods through it.
    logs = emulator.client("logs")
    logs.create_log_group(logGroupName="/speedups")
    assert [g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]] == ["/speedups"]


def _generated(key: Key) -> bool:
    lazy = key.private_key
    assert isinstance(lazy, LazyPrivateKey)
    return lazy.generated


@pytest.mark.parametrize("spec", ["SYMMETRIC_DEFAULT", "HMAC_256", "RSA_2048", "RSA_3072", "ECC_NIST_P256"])
def test_a_lazy_key_becomes_the_key_moto_would_have_made(spec: str) -> None:
    own = moto_speedups.original_generate_private_key()(spec)
    lazy = LazyPrivateKey(spec)
    assert not lazy.generated
    public = lazy.public_key()  # the first read generates it (DER bytes)
    assert lazy.generated
    assert type(lazy._key) is type(own)
    assert len(public) == len(own.public_key())  # same kind and size of key
    assert lazy.public_key() == public  # generated once
    # Copies (moto's ReplicateKey copies the key object) share the one pair, as before.
    assert copy.copy(lazy).public_key() == public


def test_symmetric_keys_skip_the_unused_pair_and_signing_keys_still_sign(emulator: Emulator) -> None:
    kms = emulator.client("kms")
    symmetric = [kms.create_key()["KeyMetadata"]["KeyId"] for _ in range(3)]
    keys = kms_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].keys
    assert not any(_generated(keys[k]) for k in symmetric)
    # Encryption never reads the pair.
    blob = kms.encrypt(KeyId=symmetric[0], Plaintext=b"secret")["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"secret"
    assert not _generated(keys[symmetric[0]])

    for spec, algorithm in (("RSA_2048", "RSASSA_PSS_SHA_256"), ("ECC_NIST_P256", "ECDSA_SHA_256")):
        key = kms.create_key(KeySpec=spec, KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
        signature = kms.sign(KeyId=key, Message=b"m", SigningAlgorithm=algorithm)["Signature"]
        assert kms.verify(KeyId=key, Message=b"m", Signature=signature, SigningAlgorithm=algorithm)[
            "SignatureValid"
        ]
        assert kms.get_public_key(KeyId=key)["PublicKey"] == kms.get_public_key(KeyId=key)["PublicKey"]
        assert _generated(keys[key])
