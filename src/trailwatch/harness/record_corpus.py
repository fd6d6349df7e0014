"""Realistic CloudTrail records for console sign-ins (and the API calls CIS alarms on).

The shapes follow the AWS CloudTrail user guide's documented samples (see
shared/reference/filter-patterns-and-signin-events.md): IAM user with and without MFA,
failures, the unknown-user HIDDEN_DUE_TO_SECURITY_REASONS record, root with
``"MFAUsed": "YES"``, SAML federation, IAM Identity Center, CheckMfa, and IPv6 sources.

IAM Identity Center portal sign-ins (IAM Identity Center User Guide, "Understanding IAM
Identity Center sign-in events"): service events of signin.amazonaws.com with the result in
``serviceEventDetails`` and the factors in ``additionalEventData.CredentialType``, in the
current userIdentity shape (``IdentityCenterUser`` with ``onBehalfOf``; AWS Security Blog,
"Important changes to CloudTrail events for AWS IAM Identity Center") or the older one
(``Unknown`` with ``userName``). The API calls that open the console another way (a login
profile, a sign-in token, MFA removal, identity-provider changes) follow ``api_call``'s shape
with the request parameters the IAM, STS and IAM Identity Center API references name.
tests/records/console-access.json holds real published records of the same events.

Centralized root access (IAM User Guide, "Track privileged tasks in AWS CloudTrail"): the
``AssumeRoot`` call in the management (or IAM delegated administrator) account, as the
page's sample shows it, and an action of the short-term root session in the member
account: ``userIdentity.type`` "Root" with ``sessionContext.assumedRoot`` "true" (the
field the page and the CloudTrail userIdentity element describe), its access key the
temporary one AssumeRoot returned.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

ACCOUNT = "111122223333"
USER_AGENT = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)
LOGIN_TO = "https://console.aws.amazon.com/console/home?hashArgs=%23&isauthcode=true"

Record = dict[str, Any]


def _time(at: datetime | str | None) -> str:
    if isinstance(at, str):
        return at
    return (at or datetime(2026, 11, 2, 9, 30, tzinfo=UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _signin(
    identity: dict[str, Any],
    *,
    ip: str,
    success: bool,
    extra: dict[str, Any],
    region: str = "us-east-1",
    at: datetime | str | None = None,
    error: str | None = None,
    account: str = ACCOUNT,
    event_name: str = "ConsoleLogin",
    user_agent: str = USER_AGENT,
) -> Record:
    record: Record = {
        "eventVersion": "1.08",
        "userIdentity": identity,
        "eventTime": _time(at),
        "eventSource": "signin.amazonaws.com",
        "eventName": event_name,
        "awsRegion": region,
        "sourceIPAddress": ip,
        "userAgent": user_agent,
        "requestParameters": None,
        "responseElements": {event_name: "Success" if success else "Failure"},
        "additionalEventData": extra,
        "eventID": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{identity}{ip}{_time(at)}{event_name}{extra}")),
        "readOnly": False,
        "eventType": "AwsConsoleSignIn",
        "managementEvent": True,
        "recipientAccountId": account,
        "eventCategory": "Management",
    }
    if error:
        record["errorMessage"] = error
    return record


def iam_user(name: str = "anaya", account: str = ACCOUNT) -> dict[str, Any]:
    return {
        "type": "IAMUser",
        "principalId": "AIDACKCEVSQ6C2EXAMPLE",
        "arn": f"arn:aws:iam::{account}:user/{name}",
        "accountId": account,
        "userName": name,
    }


def iam_user_login(
    *, mfa: bool, ip: str = "192.0.2.10", user: str = "anaya", region: str = "us-east-1", at: Any = None
) -> Record:
    extra: dict[str, Any] = {"LoginTo": LOGIN_TO, "MobileVersion": "No", "MFAUsed": "Yes" if mfa else "No"}
    if mfa:
        extra["MFAIdentifier"] = f"arn:aws:iam::{ACCOUNT}:u2f/user/{user}/default-AAAAAAAABBBBBBBBCCCCCCCCDD"
    return _signin(iam_user(user), ip=ip, success=True, extra=extra, region=region, at=at)


def iam_user_failure(*, ip: str = "192.0.2.10", user: str = "anaya", at: Any = None) -> Record:
    identity = {**iam_user(user), "accessKeyId": ""}
    del identity["arn"]
    extra = {"LoginTo": LOGIN_TO, "MobileVersion": "No", "MFAUsed": "Yes"}
    return _signin(identity, ip=ip, success=False, extra=extra, error="Failed authentication", at=at)


def unknown_user_failure(*, ip: str = "198.51.100.77", at: Any = None) -> Record:
    identity = {
        "type": "IAMUser",
        "accountId": ACCOUNT,
        "accessKeyId": "",
        "userName": "HIDDEN_DUE_TO_SECURITY_REASONS",
    }
    extra = {"LoginTo": LOGIN_TO, "MobileVersion": "No", "MFAUsed": "No"}
    record = _signin(
        identity, ip=ip, success=False, extra=extra, error="No username found in supplied account", at=at
    )
    record["eventType"] = "AwsConsoleSignin"  # sic, as in the IAM user guide's sample
    return record


def root_login(*, mfa: bool, ip: str = "192.0.2.20", at: Any = None) -> Record:
    identity = {
        "type": "Root",
        "principalId": ACCOUNT,
        "arn": f"arn:aws:iam::{ACCOUNT}:root",
        "accountId": ACCOUNT,
        "accessKeyId": "",
    }
    extra: dict[str, Any] = {"LoginTo": LOGIN_TO, "MobileVersion": "No", "MFAUsed": "YES" if mfa else "No"}
    if mfa:
        extra["MFAIdentifier"] = f"arn:aws:iam::{ACCOUNT}:mfa/root-account-mfa-device"
    return _signin(identity, ip=ip, success=True, extra=extra, at=at)


def root_failure(*, ip: str = "198.51.100.20", at: Any = None) -> Record:
    identity = {
        "type": "Root",
        "principalId": ACCOUNT,
        "arn": f"arn:aws:iam::{ACCOUNT}:root",
        "accountId": ACCOUNT,
    }
    extra = {"LoginTo": LOGIN_TO, "MobileVersion": "No", "MFAUsed": "No"}
    return _signin(identity, ip=ip, success=False, extra=extra, error="Failed authentication", at=at)


def saml_login(*, ip: str = "198.51.100.30", user: str = "tester@example.com", at: Any = None) -> Record:
    identity = {
        "type": "AssumedRole",
        "principalId": f"AROAEXAMPLEID:{user}",
        "arn": f"arn:aws:iam::{ACCOUNT}:assumed-role/okta/{user}",
        "accountId": ACCOUNT,
        "userName": user,
    }
    extra = {
        "LoginTo": "https://console.aws.amazon.com/console/home",
        "MobileVersion": "No",
        "MFAUsed": "No",
        "SamlProviderArn": f"arn:aws:iam::{ACCOUNT}:saml-provider/Okta",
    }
    return _signin(identity, ip=ip, success=True, extra=extra, at=at)


def sso_login(*, ip: str = "198.51.100.40", user: str = "jdoe", at: Any = None) -> Record:
    role = "AWSReservedSSO_AdministratorAccess_0123456789abcdef"
    identity = {
        "type": "AssumedRole",
        "principalId": f"AROAEXAMPLESSO:{user}",
        "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{user}",
        "accountId": ACCOUNT,
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": "AROAEXAMPLESSO",
                "arn": f"arn:aws:iam::{ACCOUNT}:role/aws-reserved/sso.amazonaws.com/{role}",
                "accountId": ACCOUNT,
                "userName": role,
            }
        },
    }
    extra = {"LoginTo": "https://console.aws.amazon.com/console/home", "MobileVersion": "No", "MFAUsed": "No"}
    return _signin(identity, ip=ip, success=True, extra=extra, at=at)


def check_mfa(*, ip: str = "192.0.2.10", user: str = "anaya", at: Any = None) -> Record:
    identity = {**iam_user(user), "accessKeyId": ""}
    return _signin(identity, ip=ip, success=True, extra={"MfaType": "U2F MFA"}, event_name="CheckMfa", at=at)


def api_call(
    event_name: str,
    event_source: str,
    *,
    error_code: str | None = None,
    identity: dict[str, Any] | None = None,
    ip: str = "192.0.2.50",
    invoked_by: str | None = None,
    event_type: str = "AwsApiCall",
    at: Any = None,
) -> Record:
    ident = dict(identity or iam_user("deployer"))
    if invoked_by:
        ident["invokedBy"] = invoked_by
    record: Record = {
        "eventVersion": "1.08",
        "userIdentity": ident,
        "eventTime": _time(at),
        "eventSource": event_source,
        "eventName": event_name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": invoked_by or ip,
        "userAgent": "aws-cli/2.15.0",
        "requestParameters": {},
        "responseElements": None,
        "eventID": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{event_name}{error_code}{ident}{_time(at)}")),
        "readOnly": False,
        "eventType": event_type,
        "managementEvent": True,
        "recipientAccountId": ACCOUNT,
    }
    if error_code:
        record["errorCode"] = error_code
        record["errorMessage"] = "User is not authorized to perform this operation"
    return record


def change(
    event_name: str,
    event_source: str = "iam.amazonaws.com",
    request: dict[str, Any] | None = None,
    **kwargs: Any,
) -> Record:
    """An API call with its request parameters (api_call's shape)."""
    record = api_call(event_name, event_source, **kwargs)
    record["requestParameters"] = dict(request or {})
    record["eventID"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{record['eventID']}{event_source}{request}"))
    return record


def assumed_role(role: str, session: str, account: str = ACCOUNT) -> dict[str, Any]:
    return {
        "type": "AssumedRole",
        "principalId": f"AROAEXAMPLEROLEID:{session}",
        "arn": f"arn:aws:sts::{account}:assumed-role/{role}/{session}",
        "accountId": account,
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": "AROAEXAMPLEROLEID",
                "arn": f"arn:aws:iam::{account}:role/{role}",
                "accountId": account,
                "userName": role,
            },
            "attributes": {"creationDate": "2026-11-02T09:00:00Z", "mfaAuthenticated": "false"},
        },
    }


def signin_token(
    *, user_agent: str, identity: dict[str, Any] | None = None, ip: str = "198.51.100.60"
) -> Record:
    """signin:GetSigninToken at the federation endpoint (an AwsApiCall of the sign-in
    service, as rule sets' test records show it). Whether AWS marks it read-only is
    documented nowhere; this one is, so that the rule's state is exercised."""
    record = api_call("GetSigninToken", "signin.amazonaws.com", identity=identity, ip=ip)
    record.update(
        {"userAgent": user_agent, "responseElements": {"GetSigninToken": "Success"}, "readOnly": True}
    )
    return record


def identity_center_signin(
    event_name: str = "UserAuthentication",
    *,
    result: str = "Success",
    credential_type: str = "PASSWORD",
    ip: str = "198.51.100.80",
    current_shape: bool = True,
    enrolment: bool = False,
    region: str = "eu-west-1",
    at: Any = None,
) -> Record:
    """An IAM Identity Center sign-in step, recorded in the instance's region."""
    if current_shape:
        identity: dict[str, Any] = {
            "type": "IdentityCenterUser",
            "accountId": ACCOUNT,
            "onBehalfOf": {
                "userId": "544894e8-80c1-707f-60e3-3ba6510dfac1",
                "identityStoreArn": f"arn:aws:identitystore::{ACCOUNT}:identitystore/d-9067642ac7",
            },
            "credentialId": "EXAMPLEVHULjJdTUdPJfofVa1sufHDoj7aYcOYcxFVllWR_Whr1fEXAMPLE",
        }
    else:
        identity = {
            "type": "Unknown",
            "principalId": ACCOUNT,
            "arn": "",
            "accountId": ACCOUNT,
            "accessKeyId": "",
            "userName": "user1",
        }
    extra: dict[str, Any] = {
        "AuthWorkflowID": "9de74b32-8362-4a01-a524-de21df59fd83",
        "CredentialType": credential_type,
    }
    if event_name == "UserAuthentication":
        extra["LoginTo"] = "https://d-1234567890.awsapps.com/start/"
    if enrolment:
        extra["DeviceEnrollmentRequired"] = "true"
    record = _signin(identity, ip=ip, success=True, extra=extra, region=region, at=at, event_name=event_name)
    record.update(
        {
            "responseElements": None,
            "eventType": "AwsServiceEvent",
            "serviceEventDetails": {event_name: result},
        }
    )
    return record


def login_without_source_ip(*, at: Any = None) -> Record:
    """A successful sign-in whose record has no sourceIPAddress (as reduced exports and
    some rule sets' test records have it)."""
    record = iam_user_login(mfa=True, ip="203.0.113.99", at=at)
    del record["sourceIPAddress"]
    record["eventID"] = str(uuid.uuid5(uuid.NAMESPACE_URL, "no-source-ip" + record["eventID"]))
    return record


MANAGEMENT_ACCOUNT = "444455556666"
MEMBER_ACCOUNT = ACCOUNT
SESSION_KEY = "ASIAIOSFODNN7EXAMPLE"


def assume_root_call(
    *,
    target: str = MEMBER_ACCOUNT,
    task_policy: str = "S3UnlockBucketPolicy",
    region: str = "us-west-2",
    at: Any = None,
) -> Record:
    """The ``sts:AssumeRoot`` event in the calling (management) account, as documented."""
    caller = MANAGEMENT_ACCOUNT
    identity = {
        "type": "AssumedRole",
        "principalId": "AIDACKCEVSQ6C2EXAMPLE:JohnRole1",
        "arn": f"arn:aws:sts::{caller}:assumed-role/John/JohnRole1",
        "accountId": caller,
        "accessKeyId": "ASIAI44QH8DHBEXAMPLE",
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": "AIDACKCEVSQ6C2EXAMPLE",
                "arn": f"arn:aws:iam::{caller}:role/John",
                "accountId": caller,
                "userName": "Admin2",
            },
            "webIdFederationData": {},
            "attributes": {"creationDate": "2024-10-25T20:45:28Z", "mfaAuthenticated": "false"},
            "assumedRoot": "true",
        },
    }
    record = api_call("AssumeRoot", "sts.amazonaws.com", identity=identity, ip="192.0.2.1", at=at)
    record.update(
        {
            "awsRegion": region,
            "requestParameters": {
                "targetPrincipal": target,
                "taskPolicyArn": {"arn": f"arn:aws:iam::aws:policy/root-task/{task_policy}"},
            },
            "responseElements": {
                "credentials": {
                    "accessKeyId": SESSION_KEY,
                    "sessionToken": "IQoJb3JpZ2luX2VjEXAMPLE",
                    "expiration": "Oct 25, 2024, 9:07:11 PM",
                }
            },
            "readOnly": True,
            "recipientAccountId": caller,
        }
    )
    return record


def root_session_identity(account: str = MEMBER_ACCOUNT) -> dict[str, Any]:
    """The member account's root, acting in a short-term session opened with AssumeRoot."""
    return {
        "type": "Root",
        "principalId": account,
        "arn": f"arn:aws:iam::{account}:root",
        "accountId": account,
        "accessKeyId": SESSION_KEY,
        "sessionContext": {
            "attributes": {"creationDate": "2024-10-25T20:52:11Z", "mfaAuthenticated": "false"},
            "assumedRoot": "true",
        },
    }


def root_identity() -> dict[str, Any]:
    return {
        "type": "Root",
        "principalId": ACCOUNT,
        "arn": f"arn:aws:iam::{ACCOUNT}:root",
        "accountId": ACCOUNT,
    }


def message(record: Record) -> str:
    """The CloudWatch Logs message CloudTrail writes for a record: the bare record JSON."""
    return json.dumps(record, separators=(",", ":"))
