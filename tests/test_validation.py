"""Bad input is refused at `terraform plan`, with a message naming the variable and the
fix, and nothing is created.

A case is data: add it to VARIABLE_CASES (the root module, refused by a variable's own
validation block), CASES (the root module, refused by any other check), SUBMODULE_CASES
(modules/signin-events on its own) or the other submodules' lists. The cases are planned by
`terraform test`, spread over a few `terraform test` processes (one per pytest-xdist group):
each case in a test file of its own, but VARIABLE_CASES several to a run (each error is given
to the case whose argument it is reported at). Each case still passes or fails on its own with
its own messages.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

import pytest

from trailwatch.harness.emulator import Emulator
from trailwatch.harness.terraform import plan_refusals

pytestmark = pytest.mark.emulator

#: Root-module cases refused by a check across inputs (a precondition, a postcondition) or by a
#: submodule's validation: each is planned in a run of its own.
CASES: dict[str, tuple[dict[str, object], list[str]]] = {
    "byo-without-log-group": ({"create_trail": False}, ["create_trail = false", "existing_log_group_name"]),
    "org-trail-without-create-trail": (
        {"create_trail": False, "is_organization_trail": True, "existing_log_group_name": "g"},
        ["is_organization_trail = true needs create_trail = true"],
    ),
    "org-trail-without-org-id": ({"is_organization_trail": True}, ["needs organization_id"]),
    "malformed-org-id": (
        {"is_organization_trail": True, "organization_id": "org-123"},
        ["organization_id must look like o-"],
    ),
    "existing-and-created-log-group": (
        {"existing_log_group_name": "a", "log_group_name": "b"},
        ["existing_log_group_name and log_group_name conflict"],
    ),
    "raw-alarm-notifications-off-without-alarm-messages": (
        {"alarm_raw_notifications": False},
        ["alarm_raw_notifications = false needs alarm_messages_enabled = true"],
    ),
    "athena-org-trail-without-accounts": (
        {"is_organization_trail": True, "organization_id": "o-abcdefghij", "athena_enabled": True},
        ["athena_enabled with is_organization_trail needs athena_account_ids"],
    ),
    "existing-log-group-missing": (
        {"create_trail": False, "existing_log_group_name": "aws-controltower/CloudTrailLogs"},
        ["existing_log_group_name aws-controltower/CloudTrailLogs was not found in this account and region"],
    ),
    "management-account-without-org-trail": (
        {"organization_management_account_id": "210987654321"},
        ["organization_management_account_id is for an organization trail", "is_organization_trail = true"],
    ),
    "trail-key-shared-without-trail-key": (
        {"log_group_encryption": "trail", "create_kms_key": False},
        ['log_group_encryption = "trail"', "create_kms_key = true"],
    ),
    "existing-key-mode-without-key": (
        {"log_group_encryption": "existing"},
        ['log_group_kms_key_arn goes with log_group_encryption = "existing"'],
    ),
    "byo-bucket-without-name": (
        {"create_s3_bucket": False},
        ["create_s3_bucket = false needs s3_bucket_name"],
    ),
    "both-created-and-given-trail-key": (
        {"kms_key_arn": "arn:aws:kms:us-east-1:123456789012:key/abcd"},
        ["create_kms_key = false", "kms_key_arn"],
    ),
    "malformed-trail-key": ({"kms_key_arn": "alias/foo", "create_kms_key": False}, ["kms_key_arn must be"]),
    "lifecycle-transition-after-expiry": (
        {"s3_lifecycle": {"expiration_days": 30, "transition_days": 60}},
        ["transition_days must be at least 1 and less than expiration_days"],
    ),
    "bad-bucket-name": ({"s3_bucket_name": "My_Bucket"}, ["s3_bucket_name must be a valid S3 bucket name"]),
    "bad-trail-name": ({"trail_name": "a--b"}, ["name must be 3-128 characters"]),
    "allowlist-too-long": (
        {"allowed_source_cidrs": [f"198.18.{i // 200}.{i % 200 + 1}" for i in range(120)]},
        ["console_login_unexpected_ip pattern is", "AWS allows at most 1024"],
    ),
    # 300 distinct, non-nested /24s: more than can ever fit in 1,024 characters.
    "allowlist-cannot-fit": (
        {"allowed_source_cidrs": [f"10.{i // 250}.{i % 250}.0/24" for i in range(300)]},
        ["300 entries", "AWS limits to 1,024", "at most 256 ever fit", "Merge them into wider prefixes"],
    ),
    "unknown-detection-key": (
        {"detections": {"console_login_from_mars": {"enabled": True}}},
        ["unknown key(s) console_login_from_mars", "Valid keys:"],
    ),
    "unexpected-ip-forced-without-allowlist": (
        {"detections": {"console_login_unexpected_ip": {"enabled": True}}},
        ["forced on but allowed_source_cidrs is empty"],
    ),
    "datapoints-over-evaluation-periods": (
        {"detections": {"root_usage": {"datapoints_to_alarm": 3}}},
        ["datapoints_to_alarm (3) cannot exceed evaluation_periods (1)"],
    ),
    "six-regex-filters-in-one-log-group": (
        {
            "detections": {
                k: {"pattern": "%Denied%"}
                for k in [
                    "root_usage",
                    "vpc_changes",
                    "nacl_changes",
                    "route_table_changes",
                    "config_changes",
                ]
            }
        },
        ["6 of this module's metric filters use regular expressions; AWS allows at most 5 per log group"],
    ),
    "bad-subscription-protocol": (
        {"sns_subscriptions": [{"protocol": "email", "endpoint": "a@example.com"}]},
        ["protocol must be https, sqs or lambda"],
    ),
    "signin-events-unknown-detection": (
        {"signin_events_enabled": True, "signin_events_detections": {"vpc_changes": {"enabled": True}}},
        ["signin_events_detections: unknown sign-in detection vpc_changes", "console_login_unexpected_ip"],
    ),
    "signin-events-ip-rule-without-allowlist": (
        {
            "signin_events_enabled": True,
            "signin_events_detections": {"console_login_unexpected_ip": {"enabled": True}},
        },
        ["console_login_unexpected_ip needs allowed_source_cidrs"],
    ),
    "signin-events-pattern-over-quota": (
        {"signin_events_enabled": True, "allowed_source_cidrs": ["192.0.2.128/25"]},
        ["event pattern is", "the account allows 2048", "octet boundary"],
    ),
    "login-profile-exclusions-with-a-pattern-override": (
        {
            "login_profile_changes_excluded_principal_arns": [
                "arn:aws:sts::*:assumed-role/identity-provisioner/*"
            ],
            "detections": {"login_profile_changes": {"pattern": '{ $.eventName = "CreateLoginProfile" }'}},
        },
        [
            "login_profile_changes: the login_profile_changes_excluded_* inputs apply to the tuned pattern only"
        ],
    ),
    "exclusions-with-the-cis-string": (
        {
            "unauthorized_api_calls_mode": "cis_v4_0_1",
            "unauthorized_api_calls_excluded_event_sources": ["s3.amazonaws.com"],
        },
        ["apply to the tuned pattern only", "cis_v4_0_1"],
    ),
    "exclusions-past-1024-characters": (
        {
            "unauthorized_api_calls_excluded_principal_arns": [
                f"arn:aws:iam::*:role/automation-role-number-{i:02d}" for i in range(20)
            ]
        },
        ["The unauthorized_api_calls pattern is", "AWS allows at most 1024", "_principal_arns"],
    ),
    "route-unknown-severity": (
        {"notification_routes": {"severe": {"topic_arns": ["arn:aws:sns:us-east-1:123456789012:pager"]}}},
        ["notification_routes: unknown severity or detection key severe", "Severities: critical, high"],
    ),
    "route-unknown-detection": (
        {"notification_routes": {"root_use": {"topic_arns": ["arn:aws:sns:us-east-1:123456789012:pager"]}}},
        ["unknown severity or detection key root_use", "detection keys: cloudtrail_changes, config_changes"],
    ),
    "route-topic-in-another-region": (
        {"notification_routes": {"critical": {"topic_arns": ["arn:aws:sns:eu-west-1:123456789012:pager"]}}},
        [
            "critical: arn:aws:sns:eu-west-1:123456789012:pager is in another region than the alarms (us-east-1)"
        ],
    ),
    "chat-topic-in-another-region": (
        {"chat_topic_arns": ["arn:aws:sns:eu-west-1:123456789012:chat"]},
        ["chat_topic_arns: at most 4 topics", "in another region: arn:aws:sns:eu-west-1:123456789012:chat"],
    ),
    "chat-topics-more-than-four": (
        {"chat_topic_arns": [f"arn:aws:sns:us-east-1:123456789012:chat{i}" for i in range(5)]},
        ["chat_topic_arns: at most 4 topics", "the most an alarm or an EventBridge rule notifies"],
    ),
    "route-chat-topic-in-another-region": (
        {"notification_routes": {"high": {"chat_topic_arns": ["arn:aws:sns:eu-west-1:123456789012:chat"]}}},
        ["high: arn:aws:sns:eu-west-1:123456789012:chat is in another region than the alarms"],
    ),
    # terraform-provider-aws #38943/#47039: a second configuration of one Team breaks the
    # provider's lookup (create times out, the resource drops out of state, re-apply 409s).
    "chat-two-channels-of-one-teams-team": (
        {
            "chat_enabled": True,
            "chat_teams_channels": {
                ch: {
                    "tenant_id": "00000000-0000-0000-0000-000000000001",
                    "team_id": team,
                    "channel_id": f"19%3a{ch}%40thread.tacv2",
                }
                for ch, team in (
                    ("alerts", "00000000-0000-0000-0000-0000000000AA"),
                    ("pager", "00000000-0000-0000-0000-0000000000aa"),
                )
            },
        },
        ["one channel per Microsoft Teams team", "00000000-0000-0000-0000-0000000000aa", "#47039"],
    ),
    # The chat service configures one Slack channel once per account.
    "chat-one-slack-channel-twice": (
        {
            "chat_enabled": True,
            "chat_slack_channels": {
                k: {"workspace_id": "T0123456789", "channel_id": "C0123456789"} for k in ("alerts", "pager")
            },
        },
        ["a Slack channel may appear once", "T0123456789/C0123456789"],
    ),
    "chat-channels-without-chat-enabled": (
        {"chat_slack_channels": {"sec": {"workspace_id": "T0123456789", "channel_id": "C0123456789"}}},
        ["chat_slack_channels / chat_teams_channels are set but chat_enabled = false"],
    ),
    "chat-topics-over-the-limit": (
        {
            "chat_enabled": True,
            "chat_topic_arns": [f"arn:aws:sns:us-east-1:123456789012:chat{i}" for i in range(4)],
        },
        ["chat_enabled adds the chat topic to chat_topic_arns: with it, at most 3 more"],
    ),
    "eventbridge-path-with-existing-log-group": (
        {"detection_path": "eventbridge", "create_trail": False, "existing_log_group_name": "g"},
        ["writes the matched events to a log group the module creates"],
    ),
    "eventbridge-path-with-organization-trail": (
        {"detection_path": "eventbridge", "is_organization_trail": True, "organization_id": "o-abcdefghij"},
        ["sees this account's events only"],
    ),
    "eventbridge-path-with-custom-pattern": (
        {
            "detection_path": "eventbridge",
            "detections": {"root_usage": {"pattern": '{ $.userIdentity.type = "Root" }'}},
        },
        ["a custom pattern has no EventBridge form", "root_usage"],
    ),
}

#: Root-module cases refused by the validation block of a variable they set, which reads that
#: variable alone (tests/test_version_floor.py holds every validation to that): several are
#: planned in one run, each error given to the case whose variable it names
#: (`plan_refusals`' ``own_validation``). A case refused by any other check goes in CASES.
VARIABLE_CASES: dict[str, tuple[dict[str, object], list[str]]] = {
    "topic-publisher-not-a-rule": (
        {"sns_topic_publisher_rule_arns": ["arn:aws:sns:us-east-1:123456789012:t"]},
        ["sns_topic_publisher_rule_arns must be EventBridge rule ARNs"],
    ),
    "retention-not-accepted-by-cloudwatch": (
        {"log_retention_days": 42},
        ["log_retention_days must be", "365"],
    ),
    "bad-name-prefix": ({"name_prefix": "Bad_Prefix"}, ["name_prefix must be"]),
    "alarm-message-link-margin-not-whole-seconds": (
        {"alarm_messages_enabled": True, "alarm_messages_link_margin_seconds": 1.5},
        ["alarm_messages_link_margin_seconds: a whole number of seconds"],
    ),
    "athena-name-not-a-glue-name": ({"athena_name": "Trail-Watch"}, ["athena_name must be 1-128 lower-case"]),
    "athena-cutoff-below-athenas-minimum": (
        {"athena_bytes_scanned_cutoff_per_query": 1000},
        ["athena_bytes_scanned_cutoff_per_query must be", "10485760"],
    ),
    "athena-region-not-a-region": (
        {"athena_regions": ["us-east"]},
        ["athena_regions must be AWS region names"],
    ),
    "athena-projection-date-format": (
        {"athena_projection_start_date": "2024-01-01"},
        ["athena_projection_start_date must be a date written yyyy/MM/dd"],
    ),
    "name-prefix-too-short-for-a-trail": ({"name_prefix": "ab"}, ["name_prefix must be 3-24"]),
    # 25 characters: the default bucket name would pass S3's 63 in ap-southeast-2.
    "name-prefix-over-24": ({"name_prefix": "a" * 25}, ["name_prefix must be 3-24", "63 characters"]),
    "malformed-management-account": (
        {
            "is_organization_trail": True,
            "organization_id": "o-abcdefghij",
            "organization_management_account_id": "2109876543",
        },
        ["organization_management_account_id must be a 12-digit AWS account ID"],
    ),
    "aws-managed-sns-key-alias": (
        {"create_sns_kms_key": False, "sns_kms_key_arn": "alias/aws/sns"},
        ["alias/aws/sns is an AWS managed key", "cloudwatch.amazonaws.com or events.amazonaws.com"],
    ),
    "aws-managed-sns-key-alias-arn": (
        {"create_sns_kms_key": False, "sns_kms_key_arn": "arn:aws:kms:us-east-1:123456789012:alias/aws/sns"},
        ["is an AWS managed key", "customer managed key"],
    ),
    "unknown-log-group-encryption": ({"log_group_encryption": "aes"}, ["log_group_encryption must be"]),
    "short-key-deletion-window": (
        {"kms_key_deletion_window_in_days": 3},
        ["kms_key_deletion_window_in_days must be between 7 and 30"],
    ),
    "malformed-cidr": (
        {"allowed_source_cidrs": ["10.0.0.300/24"]},
        ["not an IPv4/IPv6 address or CIDR: 10.0.0.300/24"],
    ),
    "malformed-ip": (
        {"allowed_source_cidrs": ["office-ip"]},
        ["not an IPv4/IPv6 address or CIDR: office-ip"],
    ),
    "cidr-host-bits": (
        {"allowed_source_cidrs": ["10.0.0.5/24"]},
        ["host bits set in 10.0.0.5/24 (write 10.0.0.0/24 for the network, or 10.0.0.5 for the single host)"],
    ),
    "allow-everything": ({"allowed_source_cidrs": ["0.0.0.0/0"]}, ["a /0 prefix would allow every address"]),
    "ipv6-prefix-not-on-16-bits": (
        {"allowed_source_cidrs": ["2001:db8:ab00::/56"]},
        ["IPv6 prefixes must be /128 or a multiple of 16 bits", "2001:db8:ab00::/56"],
    ),
    "invalid-email": (
        {"alarm_email_addresses": ["security@example"]},
        ["alarm_email_addresses: not an email address: security@example"],
    ),
    "negative-threshold": ({"detections": {"root_usage": {"threshold": -1}}}, ["threshold must be >= 0"]),
    "period-not-multiple-of-60": (
        {"detections": {"root_usage": {"period": 90}}},
        ["period must be a multiple of 60 seconds"],
    ),
    "pattern-over-1024": (
        {"detections": {"root_usage": {"pattern": '{ $.a = "' + "x" * 1100 + '" }'}}},
        ["pattern must be 1-1024 characters", "root_usage"],
    ),
    "three-regex-in-a-pattern": (
        {"detections": {"root_usage": {"pattern": "{ $.a = %1% || $.a = %2% || $.a = %3% }"}}},
        ["at most 2 regular expressions"],
    ),
    "bad-treat-missing-data": (
        {"detections": {"root_usage": {"treat_missing_data": "ok"}}},
        ["treat_missing_data must be"],
    ),
    "bad-statistic": ({"detections": {"root_usage": {"statistic": "p99"}}}, ["statistic must be Sum"]),
    "bad-mfa-mode": (
        {"console_login_without_mfa_mode": "strict"},
        ["console_login_without_mfa_mode must be"],
    ),
    "signin-events-bad-dead-letter-queue": (
        {"signin_events_enabled": True, "signin_events_dead_letter_queue_arn": "signin-dlq"},
        ["signin_events_dead_letter_queue_arn must be an SQS queue ARN"],
    ),
    "bad-unauthorized-mode": (
        {"unauthorized_api_calls_mode": "cis_v4"},
        ["unauthorized_api_calls_mode must be"],
    ),
    "excluded-event-source-not-a-service": (
        {"unauthorized_api_calls_excluded_event_sources": ["S3"]},
        ["unauthorized_api_calls_excluded_event_sources", "s3.amazonaws.com"],
    ),
    "excluded-principal-not-an-arn": (
        {"unauthorized_api_calls_excluded_principal_arns": ['ci-deployer"']},
        ["unauthorized_api_calls_excluded_principal_arns", "arn:aws:sts::*:assumed-role/ci-deployer/*"],
    ),
    "login-profile-exclusion-not-an-arn": (
        {"login_profile_changes_excluded_principal_arns": ["identity-provisioner"]},
        [
            "login_profile_changes_excluded_principal_arns",
            "arn:aws:sts::*:assumed-role/identity-provisioner/*",
        ],
    ),
    # EventBridge refuses two wildcards in a row; the same patterns feed the rule.
    "login-profile-exclusion-double-wildcard": (
        {"login_profile_changes_excluded_principal_arns": ["arn:aws:sts::*:assumed-role/**"]},
        ["never two in a row"],
    ),
    "route-not-a-topic": (
        {"notification_routes": {"high": {"topic_arns": ["https://events.pagerduty.com/x"]}}},
        ["not an SNS topic ARN", "high: https://events.pagerduty.com/x"],
    ),
    "chat-topic-not-a-topic": (
        {"chat_topic_arns": ["https://hooks.slack.com/services/x"]},
        ["chat_topic_arns: not an SNS topic ARN: https://hooks.slack.com/services/x"],
    ),
    "route-without-destination": (
        {"notification_routes": {"medium": {"topic_arns": []}}},
        ["each route needs 1-5 destinations"],
    ),
    "chat-logging-level": (
        {"chat_enabled": True, "chat_logging_level": "DEBUG"},
        ["chat_logging_level must be ERROR, INFO or NONE"],
    ),
    "chat-guardrail-administrator": (
        {"chat_enabled": True, "chat_guardrail_policy_arns": ["arn:aws:iam::aws:policy/AdministratorAccess"]},
        ["chat_guardrail_policy_arns: at least one policy ARN, none AdministratorAccess"],
    ),
    "chat-guardrail-empty": (
        {"chat_enabled": True, "chat_guardrail_policy_arns": []},
        ["chat_guardrail_policy_arns: at least one policy ARN"],
    ),
    "chat-slack-ids": (
        {
            "chat_enabled": True,
            "chat_slack_channels": {"sec": {"workspace_id": "acme", "channel_id": "#security"}},
        },
        ["chat_slack_channels: workspace_id must be the workspace ID from the console"],
    ),
    "chat-teams-ids": (
        {
            "chat_enabled": True,
            "chat_teams_channels": {
                "sec": {"tenant_id": "contoso", "team_id": "security", "channel_id": "19:abc@thread.tacv2"}
            },
        },
        ["chat_teams_channels: tenant_id and team_id must be GUIDs"],
    ),
    "unknown-detection-path": ({"detection_path": "kinesis"}, ["detection_path must be"]),
}

SUBMODULE_CASES: dict[str, tuple[dict[str, object], list[str]]] = {
    "no-target": ({}, ["signin-events needs sns_topic_arn", "forward_to_event_bus_arn"]),
    "both-targets": (
        {
            "sns_topic_arn": "arn:aws:sns:us-east-1:123456789012:t",
            "forward_to_event_bus_arn": "arn:aws:events:us-west-2:123456789012:event-bus/default",
        },
        ["Set sns_topic_arn or forward_to_event_bus_arn, not both"],
    ),
    "topic-in-another-region": (
        {"sns_topic_arn": "arn:aws:sns:eu-west-1:123456789012:t"},
        [
            "sns_topic_arn is in region eu-west-1 but this provider is in us-east-1",
            "forward_to_event_bus_arn",
        ],
    ),
    "forward-to-own-region": (
        {"forward_to_event_bus_arn": "arn:aws:events:us-east-1:123456789012:event-bus/default"},
        ["would loop"],
    ),
    "malformed-topic": ({"sns_topic_arn": "alerts"}, ["sns_topic_arn must be an SNS topic ARN"]),
    "unknown-detection": (
        {
            "sns_topic_arn": "arn:aws:sns:us-east-1:123456789012:t",
            "detections": {"vpc_changes": {"enabled": True}},
        },
        ["unknown sign-in detection vpc_changes"],
    ),
    "ipv6-prefix-not-16": (
        {
            "sns_topic_arn": "arn:aws:sns:us-east-1:123456789012:t",
            "allowed_source_cidrs": ["2001:db8:ab00::/56"],
        },
        ["IPv6 prefixes must be /128 or a multiple of 16 bits", "2001:db8:ab00::/56"],
    ),
    "route-in-another-region": (
        {
            "sns_topic_arn": "arn:aws:sns:us-east-1:123456789012:t",
            "routes": {"root_usage": {"topic_arns": ["arn:aws:sns:eu-west-1:123456789012:pager"]}},
        },
        ["root_usage: arn:aws:sns:eu-west-1:123456789012:pager is in another region than this provider"],
    ),
    "detection-path-and-forward": (
        {
            "detection_path": True,
            "log_group_arns": {"root_usage": "arn:aws:logs:us-east-1:123456789012:log-group:g/root_usage"},
            "forward_to_event_bus_arn": "arn:aws:events:us-west-2:123456789012:event-bus/default",
        },
        ["detection_path", "forward_to_event_bus_arn", "exclude each other"],
    ),
    "detection-path-group-arn-with-star": (
        {"log_group_arns": {"root_usage": "arn:aws:logs:us-east-1:123456789012:log-group:g:*"}},
        ["log_group_arns: each must be a log group ARN without the trailing :*"],
    ),
    "pattern-quota-out-of-range": (
        {"sns_topic_arn": "arn:aws:sns:us-east-1:123456789012:t", "event_pattern_max_length": 8192},
        ["event_pattern_max_length must be between 2048"],
    ),
}


#: modules/alarm-messages on its own: what the root module never passes it, refused anyway.
_ALARM = {"name": "tw-root_usage", "period": 300, "evaluation_periods": 1, "statistic": "Sum"}
_QUERIES = {"events": "fields @timestamp | limit 20", "by_account": "stats count(*) by recipientAccountId"}
ALARM_MESSAGES_CASES: dict[str, tuple[dict[str, object], list[str]]] = {
    "no-destination-at-all": (
        {
            "name_prefix": "tw",
            "log_group_name": "/aws/cloudtrail/tw",
            "alarms": {"root_usage": {**_ALARM, "insights_queries": _QUERIES}},
            "destinations": {"root_usage": {"topic_arns": [], "chat_topic_arns": []}},
        },
        ["destinations: no detection has an SNS topic to send its alarm message to"],
    ),
}

#: modules/eventbridge-member on its own (the member part of the organization-wide eventbridge
#: path): the forwarding combinations EventBridge cannot carry or that would count twice.
_MEMBER_RULE = {"event_pattern": '{"detail-type":[{"suffix":" via CloudTrail"}]}', "state": "ENABLED"}
_ENVELOPE = {"detail-type": [{"suffix": " via CloudTrail"}]}
_GROUP = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/cloudtrail/tw"
_MESSAGE = {"input_paths": {"id": "$.detail.eventID"}, "input_template": '"trailwatch: <id>"'}
#: A central part for one detection with real-time notifications on: each notification case adds
#: what it gets wrong.
_CENTRAL_NOTIFYING: dict[str, object] = {
    "organization_id": "o-abcdef1234",
    "log_group_arn": _GROUP,
    "event_patterns": {"root_usage": json.dumps(_ENVELOPE)},
    "metric_filters": {"root_usage": {"name": "x"}},
    "realtime_notifications": True,
}

CENTRAL_CASES: dict[str, tuple[dict[str, object], list[str]]] = {
    "cloudwatch-logs-paths-sign-in-patterns": (
        {
            "organization_id": "o-abcdef1234",
            "log_group_arn": _GROUP,
            "event_patterns": {
                "root_usage": '{"source":["aws.signin"],"detail-type":["AWS Console Sign In via CloudTrail"]}'
            },
            "metric_filters": {"root_usage": {"name": "x"}},
        },
        ["must be the outputs of a trailwatch module on detection_path", "Set detection_path"],
    ),
    "patterns-without-their-filters": (
        {
            "organization_id": "o-abcdef1234",
            "log_group_arn": _GROUP,
            "event_patterns": {"root_usage": json.dumps(_ENVELOPE)},
            "metric_filters": {"console_login_failures": {"name": "x"}},
        },
        ["must be the outputs of a trailwatch module on detection_path"],
    ),
    "realtime-notifications-without-a-topic": (
        {
            **_CENTRAL_NOTIFYING,
            "notification_messages": {"root_usage": _MESSAGE},
        },
        ["realtime_notifications needs notification_topic_arn"],
    ),
    "notification-message-without-its-bus": (
        {
            **_CENTRAL_NOTIFYING,
            "notification_topic_arn": "arn:aws:sns:us-east-1:123456789012:t",
            "notification_messages": {"root_usage": _MESSAGE, "console_login_mfa_failed": _MESSAGE},
        },
        ["notification_messages: console_login_mfa_failed has no bus here"],
    ),
    "notification-topic-in-another-region": (
        {
            **_CENTRAL_NOTIFYING,
            "notification_topic_arn": "arn:aws:sns:us-west-2:123456789012:t",
            "notification_messages": {"root_usage": _MESSAGE},
        },
        ["notification_topic_arn is in region us-west-2", "EventBridge delivers to SNS only in its own"],
    ),
    "malformed-organization-id": (
        {
            "organization_id": "org-1",
            "log_group_arn": _GROUP,
            "event_patterns": {"root_usage": json.dumps(_ENVELOPE)},
            "metric_filters": {"root_usage": {"name": "x"}},
        },
        ["organization_id must be an AWS Organizations ID"],
    ),
}
MEMBER_CASES: dict[str, tuple[dict[str, object], list[str]]] = {
    "bus-in-own-account-and-region": (
        {
            "rules": {
                "root_usage": {
                    **_MEMBER_RULE,
                    "bus_arn": "arn:aws:events:us-east-1:123456789012:event-bus/tw-root-usage",
                }
            }
        },
        ["root_usage: the bus", "would count each event twice"],
    ),
    "bus-arn-not-a-bus": (
        {"rules": {"root_usage": {**_MEMBER_RULE, "bus_arn": "arn:aws:sns:us-east-1:111122223333:t"}}},
        ["each bus_arn must be an event bus ARN"],
    ),
}

#: modules/log-group on its own: detection groups (the eventbridge path's) without the name of
#: the resource policy that lets EventBridge write to them.
LOG_GROUP_CASES: dict[str, tuple[dict[str, object], list[str]]] = {
    "detection-groups-without-resource-policy-name": (
        {"name": "/aws/cloudtrail/tw", "detection_groups": ["root_usage"]},
        ["detection_groups needs resource_policy_name"],
    ),
}

ROOT_MODULE = "../../"
SIGNIN_EVENTS_MODULE = "../../modules/signin-events"
ALARM_MESSAGES_MODULE = "../../modules/alarm-messages"
MEMBER_MODULE = "../../modules/eventbridge-member"
CENTRAL_MODULE = "../../modules/eventbridge-central"
LOG_GROUP_MODULE = "../../modules/log-group"

#: Every case as (module source, arguments, expected fragments), keyed by a file-safe name.
ALL_CASES: dict[str, tuple[str, dict[str, object], list[str]]] = {
    **{f"root-{k}": (ROOT_MODULE, args, expected) for k, (args, expected) in CASES.items()},
    **{f"root-{k}": (ROOT_MODULE, args, expected) for k, (args, expected) in VARIABLE_CASES.items()},
    **{
        f"signin-events-{k}": (SIGNIN_EVENTS_MODULE, args, expected)
        for k, (args, expected) in SUBMODULE_CASES.items()
    },
    **{
        f"alarm-messages-{k}": (ALARM_MESSAGES_MODULE, args, expected)
        for k, (args, expected) in ALARM_MESSAGES_CASES.items()
    },
    **{
        f"eventbridge-central-{k}": (CENTRAL_MODULE, args, expected)
        for k, (args, expected) in CENTRAL_CASES.items()
    },
    **{
        f"eventbridge-member-{k}": (MEMBER_MODULE, args, expected)
        for k, (args, expected) in MEMBER_CASES.items()
    },
    **{
        f"log-group-{k}": (LOG_GROUP_MODULE, args, expected)
        for k, (args, expected) in LOG_GROUP_CASES.items()
    },
}

#: How many `terraform test` processes plan the cases; each is an xdist group of its own.
BATCHES = 3


def _batch(key: str) -> int:
    return sorted(ALL_CASES).index(key) % BATCHES


def _params(prefix: str, names: Iterable[str]) -> list[object]:
    return [
        pytest.param(name, marks=pytest.mark.xdist_group(f"validation-{_batch(prefix + name)}"))
        for name in sorted(names)
    ]


#: A case's plan errors.
Refused = list[str]

#: The diagnostics of Terraform's own checks: a variable's validation block or type, and a
#: resource's, data source's or output's precondition.
PLAN_TIME_CHECKS = {
    "Invalid value for variable",
    "Invalid value for input variable",
    "Resource precondition failed",
    "Module output value precondition failed",
}


@pytest.fixture(scope="module")
def refusals(emulator_session: Emulator, terraform: str) -> Callable[[str], Refused]:
    """Plans a case's whole batch the first time one of its cases asks (then the others read it)."""
    batches: dict[int, dict[str, list[str]]] = {}

    def refused(key: str) -> Refused:
        batch = _batch(key)
        if batch not in batches:
            emulator_session.reset()
            cases = {k: (src, args) for k, (src, args, _) in ALL_CASES.items() if _batch(k) == batch}
            own = {f"root-{k}" for k in VARIABLE_CASES} & set(cases)
            batches[batch] = plan_refusals(cases, emulator=emulator_session, own_validation=own)
        return batches[batch][key]

    return refused


def _assert_refused(errors: Refused, expected: list[str]) -> None:
    assert errors, "terraform plan accepted this input"
    # The error text Terraform reported, with its line wrapping undone.
    message = " ".join(" ".join(errors).split())
    for fragment in expected:
        assert fragment in message, f"{fragment!r} not in: {message}"
    # Refused by the module's own checks, which Terraform evaluates before it changes
    # anything (a variable's validation or type, a precondition), never by a provider's
    # error: nothing can be half-applied. (Only `plan` runs here, so the account itself
    # holds nothing whatever the input: asserting that could not fail.)
    for error in errors:
        summary, context = [*error.splitlines(), ""][:2]
        summary = summary.removeprefix("Error: ")
        # A postcondition is checked at plan only on a data source (read at plan); on a
        # resource it runs after the resource was created.
        plan_time = summary in PLAN_TIME_CHECKS or (
            summary == "Resource postcondition failed" and context.startswith('data "')
        )
        assert plan_time, f"refused by {summary!r} ({context}), not by a check made before any change"


@pytest.mark.parametrize("case", _params("root-", CASES))
def test_bad_input_fails_at_plan(case: str, refusals: Callable[[str], Refused]) -> None:
    _assert_refused(refusals(f"root-{case}"), CASES[case][1])


@pytest.mark.parametrize("case", _params("root-", VARIABLE_CASES))
def test_bad_value_fails_its_variables_validation(case: str, refusals: Callable[[str], Refused]) -> None:
    errors = refusals(f"root-{case}")
    _assert_refused(errors, VARIABLE_CASES[case][1])
    # Only its own variables' validation refused it (plan_refusals raises on anything else).
    assert {e.splitlines()[0] for e in errors} == {"Error: Invalid value for variable"}, errors


@pytest.mark.parametrize("case", _params("signin-events-", SUBMODULE_CASES))
def test_signin_events_submodule_refuses_bad_input(case: str, refusals: Callable[[str], Refused]) -> None:
    """modules/signin-events on its own, as a caller deploys it per region."""
    _assert_refused(refusals(f"signin-events-{case}"), SUBMODULE_CASES[case][1])


@pytest.mark.parametrize("case", _params("alarm-messages-", ALARM_MESSAGES_CASES))
def test_alarm_messages_submodule_refuses_bad_input(case: str, refusals: Callable[[str], Refused]) -> None:
    """modules/alarm-messages on its own: a call with no topic for any message."""
    _assert_refused(refusals(f"alarm-messages-{case}"), ALARM_MESSAGES_CASES[case][1])


@pytest.mark.parametrize("case", _params("eventbridge-member-", MEMBER_CASES))
def test_eventbridge_member_submodule_refuses_bad_input(
    case: str, refusals: Callable[[str], Refused]
) -> None:
    _assert_refused(refusals(f"eventbridge-member-{case}"), MEMBER_CASES[case][1])


@pytest.mark.parametrize("case", _params("eventbridge-central-", CENTRAL_CASES))
def test_eventbridge_central_submodule_refuses_bad_input(
    case: str, refusals: Callable[[str], Refused]
) -> None:
    _assert_refused(refusals(f"eventbridge-central-{case}"), CENTRAL_CASES[case][1])


@pytest.mark.parametrize("case", _params("log-group-", LOG_GROUP_CASES))
def test_log_group_submodule_refuses_bad_input(case: str, refusals: Callable[[str], Refused]) -> None:
    _assert_refused(refusals(f"log-group-{case}"), LOG_GROUP_CASES[case][1])
