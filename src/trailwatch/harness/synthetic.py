"""Synthetic CloudTrail archives in S3 layout, for the benchmark and the backtest tests.

Records follow the AWS CloudTrail User Guide's "CloudTrail record contents" and its
userIdentity element: eventVersion 1.11, identities of several types (assumed roles with a
session context most often, AWS services, IAM users), ``requestParameters`` and
``responseElements`` bodies shaped per API (credentials for AssumeRole, encryption contexts
for KMS, filter sets and instance sets for EC2, ...), ``resources``, ``tlsDetails``, random
request and event IDs. What makes a real archive compress only 5-10:1 is there: random
IDs, access keys, session tokens, timestamps and addresses in every record, and a record
size that spreads from a few hundred bytes to tens of kilobytes.

The mix: read-only calls over about forty event sources, AccessDenied and
Client.UnauthorizedOperation on a few percent of calls, the CIS change events on about one
in a thousand, console sign-ins on about two in ten thousand (including the ones the
detections exist for). Deterministic for a given seed.

``hostile=True`` keeps that mix and makes the prefilter's literals common in records that
do not match: role, session and user names (``RootAccessDeniedAuditor``), user agents, and
request and response bodies that hold ``ConsoleLogin``, ``Root``, ``AccessDenied`` and the
change event names, as plain text, as escaped JSON inside strings
(``{\\"eventName\\":\\"ConsoleLogin\\"}``) and as nested keys (``"type":"Root"``,
``"errorCode":"AccessDenied"``, ``"eventName":"StopLogging"`` below the top level).
"""

from __future__ import annotations

import base64
import gzip
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from trailwatch.harness import record_corpus as ev

Record = dict[str, Any]

REGIONS = ["us-east-1", "us-east-1", "us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2"]
ROLES = [
    "OrganizationAccountAccessRole",
    "DataPipelineRole",
    "eks-node-group-NodeInstanceRole-1A2B3C4D5E6F",
    "lambda-ingest-execution",
    "AWSReservedSSO_ReadOnlyAccess_0123456789abcdef",
    "github-actions-deploy",
    "TerraformApply",
    "ecsTaskExecutionRole",
]
HOSTILE_ROLES = [
    "RootAccessDeniedAuditor",
    "ConsoleLogin-Watcher",
    "StopLogging-Guardrail",
    "AccessDeniedRemediation",
    "Root-Cause-Analysis",
]
AGENTS = [
    "aws-cli/2.17.20 md/awscrt#0.20.11 ua/2.0 os/linux#5.10.220-209.869.amzn2.x86_64 md/arch#x86_64"
    " lang/python#3.11.9 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/distrib#amzn.2"
    " md/prompt#off md/command#{cmd}",
    "Boto3/1.34.144 md/Botocore#1.34.144 ua/2.0 os/linux#5.10.219 md/arch#x86_64 lang/python#3.12.4"
    " md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.144",
    "aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64 api/{svc}#1.28.2",
    "Terraform/1.9.3 (+https://www.terraform.io) terraform-provider-aws/5.60.0 (+https://registry.terraform.io/"
    "providers/hashicorp/aws) aws-sdk-go-v2/1.30.3 ua/2.0 os/linux lang/go#1.22.5 api/{svc}#1.28.2",
    "aws-internal/3 aws-sdk-java/1.12.742 Linux/5.10.219-186.866.amzn2int.x86_64 OpenJDK_64-Bit_Server_VM/"
    "25.412-b09 java/1.8.0_412 vendor/Oracle_Corporation cfg/retry-mode/standard",
    "console.amazonaws.com",
    "AWS Internal",
]
HOSTILE_AGENTS = [
    "ConsoleLogin-Probe/1.4 (Root AccessDenied StopLogging checker) python-requests/2.32",
    "aws-cli/2.17.20 md/command#cloudtrail.stop-logging md/prompt#off RootAccessDenied/1",
]

# (eventSource, read-only event names): the bulk of an archive.
READS: list[tuple[str, list[str]]] = [
    ("sts.amazonaws.com", ["AssumeRole", "AssumeRole", "AssumeRoleWithWebIdentity", "GetCallerIdentity"]),
    ("kms.amazonaws.com", ["Decrypt", "Decrypt", "GenerateDataKey", "Encrypt", "DescribeKey"]),
    (
        "s3.amazonaws.com",
        ["ListBuckets", "GetBucketAcl", "GetBucketLocation", "GetBucketPolicy", "HeadBucket"],
    ),
    (
        "ec2.amazonaws.com",
        ["DescribeInstances", "DescribeVolumes", "DescribeSecurityGroups", "DescribeSubnets"],
    ),
    ("logs.amazonaws.com", ["DescribeLogGroups", "DescribeLogStreams", "CreateLogStream", "FilterLogEvents"]),
    ("monitoring.amazonaws.com", ["GetMetricData", "DescribeAlarms", "ListMetrics"]),
    ("lambda.amazonaws.com", ["ListFunctions20150331", "GetFunction20150331v2", "ListTags20170331"]),
    ("dynamodb.amazonaws.com", ["DescribeTable", "ListTables", "DescribeContinuousBackups"]),
    (
        "ssm.amazonaws.com",
        ["GetParameter", "GetParameters", "DescribeInstanceInformation", "UpdateInstanceInformation"],
    ),
    ("secretsmanager.amazonaws.com", ["GetSecretValue", "DescribeSecret"]),
    ("ecr.amazonaws.com", ["GetAuthorizationToken", "BatchGetImage", "GetDownloadUrlForLayer"]),
    ("iam.amazonaws.com", ["GetRole", "ListRoles", "GetPolicyVersion", "ListAttachedRolePolicies"]),
    ("cloudformation.amazonaws.com", ["DescribeStacks", "ListStackResources", "GetTemplate"]),
    ("config.amazonaws.com", ["DescribeConfigRules", "GetComplianceDetailsByConfigRule"]),
    ("cloudtrail.amazonaws.com", ["LookupEvents", "DescribeTrails", "GetTrailStatus", "GetEventSelectors"]),
    ("elasticloadbalancing.amazonaws.com", ["DescribeLoadBalancers", "DescribeTargetHealth"]),
    ("autoscaling.amazonaws.com", ["DescribeAutoScalingGroups", "DescribeScalingActivities"]),
    ("ecs.amazonaws.com", ["DescribeServices", "ListTasks", "DescribeTasks"]),
    ("eks.amazonaws.com", ["DescribeCluster", "ListNodegroups"]),
    ("route53.amazonaws.com", ["ListHostedZones", "GetChange", "ListResourceRecordSets"]),
    ("sqs.amazonaws.com", ["GetQueueAttributes", "ListQueues"]),
    ("sns.amazonaws.com", ["ListTopics", "GetTopicAttributes"]),
    ("events.amazonaws.com", ["ListRules", "DescribeRule", "PutRule"]),
    ("organizations.amazonaws.com", ["DescribeOrganization", "ListAccounts"]),
    ("access-analyzer.amazonaws.com", ["ListFindings", "GetFinding"]),
    ("guardduty.amazonaws.com", ["ListDetectors", "GetFindings"]),
    ("securityhub.amazonaws.com", ["GetFindings", "BatchImportFindings"]),
    ("rds.amazonaws.com", ["DescribeDBInstances", "DescribeDBClusters"]),
    ("elasticache.amazonaws.com", ["DescribeCacheClusters"]),
    ("apigateway.amazonaws.com", ["GetRestApis", "GetStages"]),
    ("cloudfront.amazonaws.com", ["ListDistributions"]),
    ("glue.amazonaws.com", ["GetTables", "GetDatabases", "GetPartitions"]),
    ("athena.amazonaws.com", ["GetQueryExecution", "StartQueryExecution"]),
    ("kinesis.amazonaws.com", ["DescribeStream", "ListShards"]),
    ("states.amazonaws.com", ["DescribeExecution", "ListExecutions"]),
    ("backup.amazonaws.com", ["ListBackupJobs"]),
    ("servicecatalog.amazonaws.com", ["SearchProductsAsAdmin"]),
    ("health.amazonaws.com", ["DescribeEvents"]),
    ("tagging.amazonaws.com", ["GetResources"]),
    ("signin.amazonaws.com", ["GetSigninToken"]),
]
READ_WEIGHTS = [30, 22, 9, 8, 7, 5, 3, 3, 4, 3, 3, 3, 2, 1, 1, 2, 1, 2, 1, 1, 2, 1, 1, 1] + [1] * (
    len(READS) - 24
)
# The CIS change events the catalog alarms on, with their sources.
CHANGES = [
    ("PutRolePolicy", "iam.amazonaws.com"),
    ("AttachRolePolicy", "iam.amazonaws.com"),
    ("CreatePolicyVersion", "iam.amazonaws.com"),
    ("AuthorizeSecurityGroupIngress", "ec2.amazonaws.com"),
    ("RevokeSecurityGroupEgress", "ec2.amazonaws.com"),
    ("CreateRoute", "ec2.amazonaws.com"),
    ("CreateNetworkAclEntry", "ec2.amazonaws.com"),
    ("ModifyVpcAttribute", "ec2.amazonaws.com"),
    ("PutBucketPolicy", "s3.amazonaws.com"),
    ("PutBucketAcl", "s3.amazonaws.com"),
    ("StopLogging", "cloudtrail.amazonaws.com"),
    ("UpdateTrail", "cloudtrail.amazonaws.com"),
    ("ScheduleKeyDeletion", "kms.amazonaws.com"),
    ("PutConfigurationRecorder", "config.amazonaws.com"),
    ("CreateAccount", "organizations.amazonaws.com"),
]
OTHER_ERRORS = [
    ("ThrottlingException", "Rate exceeded"),
    ("ResourceNotFoundException", "Requested resource not found"),
    ("NoSuchEntityException", "The role with name {name} cannot be found."),
    ("ValidationException", "1 validation error detected"),
]


class _Gen:
    def __init__(
        self,
        rng: random.Random,
        account: str,
        hostile: bool,
        denied: float = 0.03,
        services: int | None = None,
    ) -> None:
        self.rng = rng
        self.account = account
        self.denied_rate = denied
        self.reads = READS[:services] if services else READS
        self.read_weights = READ_WEIGHTS[: len(self.reads)]
        self.hostile = hostile

    # --- random pieces -------------------------------------------------------------------

    def hex(self, n: int) -> str:
        return f"{self.rng.getrandbits(4 * n):0{n}x}"

    def uuid(self) -> str:
        h = self.hex(32)
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def key_id(self, prefix: str = "ASIA") -> str:
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
        return prefix + "".join(self.rng.choice(alphabet) for _ in range(16))

    def token(self, n: int) -> str:
        return base64.b64encode(self.rng.randbytes(n)).decode()

    def ip(self) -> str:
        r = self.rng
        if r.random() < 0.6:
            return f"10.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}"
        first = r.choice([3, 18, 34, 52, 54, 35, 44])
        return f"{first}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}"

    def stamp(self, at: datetime, back_s: int = 0) -> str:
        return (at - timedelta(seconds=back_s)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def role(self) -> str:
        if self.hostile and self.rng.random() < 0.35:
            return self.rng.choice(HOSTILE_ROLES)
        return self.rng.choice(ROLES)

    def session(self) -> str:
        r = self.rng
        if self.hostile and r.random() < 0.2:
            return r.choice(["ConsoleLogin", "root-session", "AccessDenied-retry", "StopLogging"]) + self.hex(
                6
            )
        return r.choice(
            ["botocore-session-", "i-0", "aws-go-sdk-", "terraform-", "GitHubActions-"]
        ) + self.hex(r.choice([8, 10, 17]))

    def agent(self, source: str) -> str:
        r = self.rng
        if self.hostile and r.random() < 0.25:
            return r.choice(HOSTILE_AGENTS)
        svc = source.split(".")[0]
        return r.choice(AGENTS).format(cmd=f"{svc}.{r.choice(['describe', 'get', 'list'])}", svc=svc)

    # --- record parts ---------------------------------------------------------------------

    def identity(self, at: datetime) -> tuple[dict[str, Any], str | None]:
        """(userIdentity, invokedBy service or None)."""
        r = self.rng
        roll = r.random()
        if roll < 0.12:
            service = r.choice(["ec2.amazonaws.com", "lambda.amazonaws.com", "cloudformation.amazonaws.com"])
            return {"type": "AWSService", "invokedBy": service}, service
        if roll < 0.2:
            name = r.choice(["ci-bot", "backup-agent", "anaya", "deployer"])
            if self.hostile and r.random() < 0.3:
                name = r.choice(["RootUserAudit", "ConsoleLogin-bot", "AccessDenied-reporter"])
            return {
                "type": "IAMUser",
                "principalId": "AIDA" + self.key_id("")[:17],
                "arn": f"arn:aws:iam::{self.account}:user/{name}",
                "accountId": self.account,
                "accessKeyId": self.key_id("AKIA"),
                "userName": name,
            }, None
        role, session = self.role(), self.session()
        role_id = "AROA" + self.key_id("")[:17]
        ident: dict[str, Any] = {
            "type": "AssumedRole",
            "principalId": f"{role_id}:{session}",
            "arn": f"arn:aws:sts::{self.account}:assumed-role/{role}/{session}",
            "accountId": self.account,
            "accessKeyId": self.key_id(),
            "sessionContext": {
                "sessionIssuer": {
                    "type": "Role",
                    "principalId": role_id,
                    "arn": f"arn:aws:iam::{self.account}:role/{role}",
                    "accountId": self.account,
                    "userName": role,
                },
                "webIdFederationData": {},
                "attributes": {
                    "creationDate": self.stamp(at, r.randint(1, 3600)),
                    "mfaAuthenticated": "false",
                },
            },
        }
        if r.random() < 0.3:
            ident["invokedBy"] = r.choice(["ec2.amazonaws.com", "ecs-tasks.amazonaws.com", "AWS Internal"])
            return ident, ident["invokedBy"] if "." in ident["invokedBy"] else None
        return ident, None

    def bodies(self, source: str, name: str, at: datetime) -> tuple[Any, Any, list[dict[str, Any]] | None]:
        """(requestParameters, responseElements, resources) for one call."""
        r, acct = self.rng, self.account
        req: dict[str, Any]
        if name.startswith("AssumeRole"):
            role = self.role()
            session = self.session()
            req = {
                "roleArn": f"arn:aws:iam::{acct}:role/{role}",
                "roleSessionName": session,
                "durationSeconds": r.choice([900, 3600, 43200]),
            }
            resp = {
                "credentials": {
                    "accessKeyId": self.key_id(),
                    "sessionToken": self.token(r.randint(200, 450)),
                    "expiration": f"{(at + timedelta(hours=1)).strftime('%b %d, %Y, %I:%M:%S %p')}",
                },
                "assumedRoleUser": {
                    "assumedRoleId": f"AROA{self.key_id('')[:17]}:{session}",
                    "arn": f"arn:aws:sts::{acct}:assumed-role/{role}/{session}",
                },
                "packedPolicySize": r.randint(5, 40) if r.random() < 0.2 else None,
            }
            res = [{"accountId": acct, "type": "AWS::IAM::Role", "ARN": f"arn:aws:iam::{acct}:role/{role}"}]
            return req, resp, res
        if source == "kms.amazonaws.com":
            key = f"arn:aws:kms:us-east-1:{acct}:key/{self.uuid()}"
            ctx_key = r.choice(["aws:s3:arn", "aws:lambda:FunctionArn", "SecretARN", "aws:logs:arn"])
            req = {
                "encryptionAlgorithm": "SYMMETRIC_DEFAULT",
                "encryptionContext": {
                    ctx_key: f"arn:aws:s3:::data-{self.hex(8)}/{self.hex(16)}/{self.hex(24)}.parquet"
                },
                "keyId": key,
            }
            if name == "GenerateDataKey":
                req["keySpec"] = "AES_256"
            return req, None, [{"accountId": acct, "type": "AWS::KMS::Key", "ARN": key}]
        if source == "ec2.amazonaws.com" and name.startswith("Describe"):
            ids = [f"i-0{self.hex(16)}" for _ in range(r.choice([0, 1, 1, 2, 5, 20]))]
            req = {"instancesSet": {"items": [{"instanceId": i} for i in ids]}} if ids else {}
            req["filterSet"] = {
                "items": [
                    {
                        "name": "tag:Env",
                        "valueSet": {"items": [{"value": r.choice(["prod", "dev", "stage"])}]},
                    }
                ]
            }
            if r.random() < 0.05:
                # A large response, as RunInstances or a paged describe with many items.
                items = [
                    {
                        "instanceId": f"i-0{self.hex(16)}",
                        "imageId": f"ami-0{self.hex(16)}",
                        "privateIpAddress": self.ip(),
                    }
                    for _ in range(r.randint(10, 80))
                ]
                return req, {"requestId": self.uuid(), "instancesSet": {"items": items}}, None
            return req, None, None
        if source == "s3.amazonaws.com":
            bucket = f"{r.choice(['logs', 'data', 'artifacts', 'backups'])}-{acct}-{self.hex(6)}"
            req = {"bucketName": bucket, "Host": f"{bucket}.s3.us-east-1.amazonaws.com"}
            if name == "GetBucketAcl":
                req["acl"] = ""
            return req, None, [{"type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{bucket}"}]
        if source == "cloudtrail.amazonaws.com" and name == "LookupEvents":
            value = (
                r.choice(["ConsoleLogin", "StopLogging", "CreateTrail"])
                if self.hostile
                else r.choice(["RunInstances", "CreateBucket", "DeleteObject"])
            )
            req = {
                "lookupAttributes": [{"attributeKey": "EventName", "attributeValue": value}],
                "startTime": self.stamp(at, 86400),
                "endTime": self.stamp(at),
                "maxResults": 50,
            }
            return req, None, None
        if source == "logs.amazonaws.com":
            kind, app = r.choice(["lambda", "ecs", "eks"]), r.choice(["ingest", "api", "worker"])
            group = f"/aws/{kind}/{app}-{self.hex(6)}"
            req = {"logGroupName": group, "logStreamName": f"2026/11/01/[$LATEST]{self.hex(32)}"}
            if name == "FilterLogEvents":
                pattern = '{ $.eventName = "ConsoleLogin" }' if self.hostile else '"ERROR"'
                req["filterPattern"] = pattern
            return req, None, None
        if source == "events.amazonaws.com" and name == "PutRule":
            detail = (
                {"eventName": ["ConsoleLogin", "StopLogging"]}
                if self.hostile
                else {"eventName": ["RunInstances"]}
            )
            pattern = json.dumps({"source": ["aws.signin"], "detail": detail})
            return (
                {"name": f"rule-{self.hex(8)}", "eventPattern": pattern, "state": "ENABLED"},
                {"ruleArn": f"arn:aws:events:us-east-1:{acct}:rule/rule-{self.hex(8)}"},
                None,
            )
        if source in (
            "access-analyzer.amazonaws.com",
            "securityhub.amazonaws.com",
            "guardduty.amazonaws.com",
        ):
            req = {"analyzerArn": f"arn:aws:access-analyzer:us-east-1:{acct}:analyzer/{self.hex(10)}"}
            if self.hostile:
                # Findings that quote other events: the literals as nested keys, below the top level.
                req["filter"] = {
                    "principal": {"type": "Root", "arn": f"arn:aws:iam::{acct}:root"},
                    "errorCode": "AccessDenied",
                    "eventName": r.choice(["ConsoleLogin", "StopLogging", "DeleteTrail", "PutBucketPolicy"]),
                    "userIdentity": {"type": "Root"},
                    "note": '{"eventName":"ConsoleLogin","responseElements":{"ConsoleLogin":"Success"}}',
                }
            return req, None, None
        if source == "ssm.amazonaws.com" and name.startswith("GetParameter"):
            names = [
                f"/{r.choice(['prod', 'dev'])}/{r.choice(['db', 'api', 'queue'])}/{self.hex(8)}"
                for _ in range(r.randint(1, 6))
            ]
            return {"names": names, "withDecryption": True}, None, None
        if source == "monitoring.amazonaws.com" and name == "GetMetricData":
            queries = [
                {
                    "id": f"m{i}",
                    "metricStat": {
                        "metric": {
                            "namespace": r.choice(["AWS/EC2", "AWS/Lambda", "AWS/SQS"]),
                            "metricName": r.choice(
                                ["CPUUtilization", "Invocations", "ApproximateAgeOfOldestMessage"]
                            ),
                            "dimensions": [{"name": "InstanceId", "value": f"i-0{self.hex(16)}"}],
                        },
                        "period": 60,
                        "stat": "Average",
                    },
                }
                for i in range(r.randint(1, 30))
            ]
            return (
                {"metricDataQueries": queries, "startTime": self.stamp(at, 3600), "endTime": self.stamp(at)},
                None,
                None,
            )
        if r.random() < 0.5:
            return None, None, None
        return (
            {
                "resourceArn": f"arn:aws:{source.split('.')[0]}:us-east-1:{acct}:{self.hex(12)}",
                "maxResults": r.choice([20, 50, 100]),
            },
            None,
            None,
        )

    def api_call(self, source: str, name: str, at: datetime, error: tuple[str, str] | None = None) -> Record:
        r = self.rng
        identity, invoked_by = self.identity(at)
        req, resp, resources = self.bodies(source, name, at)
        region = r.choice(REGIONS)
        rec: Record = {
            "eventVersion": "1.11",
            "userIdentity": identity,
            "eventTime": self.stamp(at),
            "eventSource": source,
            "eventName": name,
            "awsRegion": region,
            "sourceIPAddress": invoked_by or self.ip(),
            "userAgent": invoked_by or self.agent(source),
        }
        if error:
            rec["errorCode"], rec["errorMessage"] = error
            resp = None
        rec["requestParameters"] = req
        rec["responseElements"] = resp
        rec["requestID"] = self.uuid()
        rec["eventID"] = self.uuid()
        rec["readOnly"] = not name.startswith(
            ("Put", "Create", "Delete", "Update", "Start", "Stop", "Attach")
        )
        if resources:
            rec["resources"] = resources
        rec["eventType"] = "AwsApiCall"
        rec["managementEvent"] = True
        rec["recipientAccountId"] = self.account
        rec["eventCategory"] = "Management"
        if not invoked_by:
            rec["tlsDetails"] = {
                "tlsVersion": r.choice(["TLSv1.2", "TLSv1.3"]),
                "cipherSuite": r.choice(["ECDHE-RSA-AES128-GCM-SHA256", "TLS_AES_128_GCM_SHA256"]),
                "clientProvidedHostHeader": f"{source.split('.')[0]}.{region}.amazonaws.com",
            }
        return rec

    def denied(self, source: str, name: str, identity_arn: str) -> tuple[str, str]:
        svc = source.split(".")[0]
        if svc == "ec2":
            return (
                "Client.UnauthorizedOperation",
                f"You are not authorized to perform this operation. User: {identity_arn} is not "
                f"authorized to perform: ec2:{name} because no identity-based policy allows the "
                f"ec2:{name} action. Encoded "
                f"authorization failure message: {self.token(self.rng.randint(200, 600))}",
            )
        return (
            "AccessDenied",
            f"User: {identity_arn} is not authorized to perform: {svc}:{name} on resource: "
            f"arn:aws:{svc}:us-east-1:{self.account}:{self.hex(12)} because no identity-based policy allows "
            f"the {svc}:{name} action",
        )

    def record(self, at: datetime) -> Record:
        r = self.rng
        roll = r.random()
        if roll < 0.0002:
            return self.signin(at)
        if roll < 0.0012:
            name, source = r.choice(CHANGES)
            return self.api_call(source, name, at)
        source, names = r.choices(self.reads, self.read_weights)[0]
        name = r.choice(names)
        if roll < 0.0012 + self.denied_rate:
            arn = f"arn:aws:sts::{self.account}:assumed-role/{self.role()}/{self.session()}"
            return self.api_call(source, name, at, self.denied(source, name, arn))
        if roll < 0.0112 + self.denied_rate:
            code, message = r.choice(OTHER_ERRORS)
            return self.api_call(source, name, at, (code, message.format(name=self.role())))
        return self.api_call(source, name, at)

    def signin(self, at: datetime) -> Record:
        r = self.rng
        kind = r.randint(0, 5)
        if kind == 0:
            return ev.iam_user_login(mfa=True, ip="203.0.113.10", at=at)
        if kind == 1:
            return ev.iam_user_login(mfa=True, ip=f"198.51.100.{r.randint(1, 254)}", user="mallory", at=at)
        if kind == 2:
            return ev.iam_user_login(mfa=False, ip="203.0.113.10", user="bob", at=at)
        if kind == 3:
            return ev.iam_user_failure(ip=f"192.0.2.{r.randint(1, 254)}", at=at)
        if kind == 4:
            return ev.sso_login(ip=f"198.51.100.{r.randint(1, 254)}", at=at)
        return ev.root_login(mfa=True, ip="203.0.113.10", at=at)


def records(count: int, seed: int = 7, hostile: bool = False, start: datetime | None = None) -> list[Record]:
    """``count`` records over one week from ``start`` (tests use this for small sets)."""
    gen = _Gen(random.Random(seed), ev.ACCOUNT, hostile)
    t = start or datetime(2026, 11, 1, tzinfo=UTC)
    step = timedelta(seconds=86400 * 7 / max(count, 1))
    out = []
    for _ in range(count):
        out.append(gen.record(t))
        t += step
    return out


def write_archive(
    root: Path,
    records: int,
    per_file: int = 2000,
    seed: int = 7,
    account: str = ev.ACCOUNT,
    region: str = "us-east-1",
    start: datetime | None = None,
    hostile: bool = False,
    days: float = 7,
    denied: float = 0.03,
    services: int | None = None,
) -> list[Path]:
    """Write ``records`` CloudTrail records over ``days`` as gzip files under root/AWSLogs/...;
    files hold between half and one and a half times ``per_file`` records, as real ones vary.
    ``denied`` is the share of calls denied (AccessDenied, Client.UnauthorizedOperation);
    ``services`` keeps only the first (most frequent) read-only event sources."""
    rng = random.Random(seed)
    gen = _Gen(rng, account, hostile, denied, services)
    t = start or datetime(2026, 11, 1, tzinfo=UTC)
    step = timedelta(seconds=86400 * days / max(records, 1))
    files: list[Path] = []
    written = 0
    while written < records:
        n = min(rng.randint(max(per_file // 2, 1), max(per_file * 3 // 2, 1)), records - written)
        batch = []
        for _ in range(n):
            batch.append(gen.record(t))
            t += step
        day = t.strftime("%Y/%m/%d")
        stamp = t.strftime("%Y%m%dT%H%MZ")
        folder = root / "AWSLogs" / account / "CloudTrail" / region / day
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{account}_CloudTrail_{region}_{stamp}_{rng.getrandbits(48):012x}.json.gz"
        body = json.dumps({"Records": batch}, separators=(",", ":")).encode()
        path.write_bytes(gzip.compress(body, compresslevel=6))
        files.append(path)
        written += n
    return files
