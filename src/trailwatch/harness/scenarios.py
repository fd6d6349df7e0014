"""The sign-in scenario corpus: named, real-format CloudTrail records that the detections
must (or must not) catch. Used by the scenario matrix tests, the demo and the docs."""

from __future__ import annotations

from trailwatch.harness import record_corpus as ev

ALLOWED_V4 = "203.0.113.0/24"
ALLOWED_V6 = "2001:db8:abcd::/48"
ALLOWLIST = [ALLOWED_V4, ALLOWED_V6]
INSIDE = "203.0.113.5"
OUTSIDE = "203.0.114.5"  # just past the /24
INSIDE_V6 = "2001:db8:abcd::10"
OUTSIDE_V6 = "2001:db8:abce::10"
IAM = f"arn:aws:iam::{ev.ACCOUNT}"


def corpus() -> dict[str, ev.Record]:
    """Scenario name -> CloudTrail record."""
    root = ev.root_identity()
    return {
        "iam_mfa_allowed_ip": ev.iam_user_login(mfa=True, ip=INSIDE),
        "iam_mfa_unknown_ip": ev.iam_user_login(mfa=True, ip=OUTSIDE),
        "iam_no_mfa_allowed_ip": ev.iam_user_login(mfa=False, ip=INSIDE),
        "iam_no_mfa_unknown_ip": ev.iam_user_login(mfa=False, ip=OUTSIDE, user="mallory"),
        "iam_failure": ev.iam_user_failure(ip=OUTSIDE),
        "unknown_user_failure": ev.unknown_user_failure(ip=OUTSIDE),
        "root_mfa_unknown_ip": ev.root_login(mfa=True, ip=OUTSIDE),
        "root_no_mfa_allowed_ip": ev.root_login(mfa=False, ip=INSIDE),
        "root_failure": ev.root_failure(ip=OUTSIDE),
        "saml_login": ev.saml_login(ip=OUTSIDE),
        "sso_login": ev.sso_login(ip=OUTSIDE),
        "sso_login_allowed_ip": ev.sso_login(ip=INSIDE, user="kim"),
        "saml_login_allowed_ip_v6": ev.saml_login(ip=INSIDE_V6, user="lee@example.com"),
        "check_mfa": ev.check_mfa(ip=OUTSIDE),
        "ipv6_allowed": ev.iam_user_login(mfa=True, ip=INSIDE_V6),
        "ipv6_unknown": ev.iam_user_login(mfa=True, ip=OUTSIDE_V6),
        "root_api_call": ev.api_call("ListBuckets", "s3.amazonaws.com", identity=root),
        "root_service_call": ev.api_call(
            "Decrypt",
            "kms.amazonaws.com",
            identity=root,
            invoked_by="cloudtrail.amazonaws.com",
            event_type="AwsServiceEvent",
        ),
        # Centralized root access: the AssumeRoot call (management account) and what the
        # short-term root session then does in the member account.
        "assume_root_call": ev.assume_root_call(),
        "root_session_delete_bucket_policy": ev.api_call(
            "DeleteBucketPolicy", "s3.amazonaws.com", identity=ev.root_session_identity()
        ),
        "access_denied": ev.api_call(
            "GetSecretValue", "secretsmanager.amazonaws.com", error_code="AccessDenied"
        ),
        "unauthorized_operation": ev.api_call(
            "RunInstances", "ec2.amazonaws.com", error_code="Client.UnauthorizedOperation"
        ),
        "denied_log_delivery": ev.api_call(
            "PutObject", "s3.amazonaws.com", error_code="AccessDenied", ip="delivery.logs.amazonaws.com"
        ),
        "denied_head_bucket": ev.api_call("HeadBucket", "s3.amazonaws.com", error_code="AccessDenied"),
        "denied_ci_scanner": ev.api_call(
            "DescribeVolumes",
            "ec2.amazonaws.com",
            error_code="AccessDenied",
            identity=ev.iam_user("ci-scanner"),
        ),
        "put_role_policy": ev.api_call("PutRolePolicy", "iam.amazonaws.com"),
        "stop_logging": ev.api_call("StopLogging", "cloudtrail.amazonaws.com"),
        "schedule_key_deletion": ev.api_call("ScheduleKeyDeletion", "kms.amazonaws.com"),
        "put_bucket_policy": ev.api_call("PutBucketPolicy", "s3.amazonaws.com"),
        "stop_config_recorder": ev.api_call("StopConfigurationRecorder", "config.amazonaws.com"),
        "authorize_sg_ingress": ev.api_call("AuthorizeSecurityGroupIngress", "ec2.amazonaws.com"),
        "create_nacl_entry": ev.api_call("CreateNetworkAclEntry", "ec2.amazonaws.com"),
        "attach_internet_gateway": ev.api_call("AttachInternetGateway", "ec2.amazonaws.com"),
        "create_route": ev.api_call("CreateRoute", "ec2.amazonaws.com"),
        "create_vpc": ev.api_call("CreateVpc", "ec2.amazonaws.com"),
        "create_account": ev.api_call("CreateAccount", "organizations.amazonaws.com"),
        "describe_instances": ev.api_call("DescribeInstances", "ec2.amazonaws.com"),
        # Every other way into the console (issue 23).
        "login_profile_created": ev.change(
            "CreateLoginProfile", request={"userName": "victim", "passwordResetRequired": False}
        ),
        "login_profile_by_provisioner": ev.change(
            "UpdateLoginProfile",
            request={"userName": "new-hire", "passwordResetRequired": True},
            identity=ev.assumed_role("identity-provisioner", "sync"),
        ),
        "own_password_changed": ev.change("ChangePassword", identity=ev.iam_user("anaya")),
        "signin_token_from_keys": ev.signin_token(user_agent="python-requests/2.31.0"),
        "signin_token_from_portal": ev.signin_token(
            user_agent="Jersey/${project.version} (HttpUrlConnection 11.0.22)",
            identity=ev.assumed_role("AWSReservedSSO_AdministratorAccess_0123456789abcdef", "jdoe"),
        ),
        "federation_token": ev.change(
            "GetFederationToken", "sts.amazonaws.com", request={"name": "backdoor"}
        ),
        "mfa_deactivated": ev.change(
            "DeactivateMFADevice",
            request={"userName": "anaya", "serialNumber": f"{IAM}:mfa/anaya"},
        ),
        "mfa_enabled": ev.change(
            "EnableMFADevice",
            request={"userName": "anaya", "serialNumber": f"{IAM}:mfa/anaya"},
        ),
        "oidc_thumbprint_updated": ev.change(
            "UpdateOpenIDConnectProviderThumbprint",
            request={
                "openIDConnectProviderArn": f"{IAM}:oidc-provider/token.actions.githubusercontent.com",
                "thumbprintList": ["990f4193972f2becf12ddeda5237f9c952f20d9e"],
            },
        ),
        "sso_saml_provider_upkeep": ev.change(
            "UpdateSAMLProvider",
            request={"sAMLProviderArn": f"{IAM}:saml-provider/AWSSSO_abdf34fd171b4a7e_DO_NOT_DELETE"},
            identity=ev.assumed_role("AWSServiceRoleForSSO", "AWS-SSO"),
            invoked_by="sso.amazonaws.com",
        ),
        "external_idp_changed": ev.change(
            "UpdateExternalIdPConfigurationForDirectory",
            "sso-directory.amazonaws.com",
            request={"directoryId": "d-9067642ac7"},
        ),
        "directory_associated": ev.change(
            "AssociateDirectory", "sso.amazonaws.com", request={"directoryId": "d-906754ac27"}
        ),
        "idc_password_only_unknown_ip": ev.identity_center_signin(ip=OUTSIDE),
        "idc_password_totp_allowed_ip": ev.identity_center_signin(ip=INSIDE, credential_type="PASSWORD,TOTP"),
        "idc_enrolment_allowed_ip": ev.identity_center_signin(ip=INSIDE, enrolment=True, current_shape=False),
        "idc_password_verification_failed": ev.identity_center_signin(
            "CredentialVerification", result="Failure", ip=OUTSIDE, current_shape=False
        ),
        "login_without_source_ip": ev.login_without_source_ip(),
    }
