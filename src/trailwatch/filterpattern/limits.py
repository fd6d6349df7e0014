"""AWS's limits on filter patterns and TestMetricFilter requests, and its error messages.

A pattern AWS refuses raises :class:`InvalidPatternError`; a TestMetricFilter request that
breaks a constraint of the API reference raises :class:`InvalidParameterError` with AWS's
request-validation message (:func:`request_violations`, :func:`validation_message`). Both
are AWS's message when printed, as ``trailwatch test-metric-filter`` prints them.
"""

from __future__ import annotations

MAX_PATTERN_LENGTH = 1024
MAX_REGEX_PER_PATTERN = 2
MAX_WILDCARD_SELECTORS = 3
MAX_WILDCARDS_PER_SELECTOR = 1
#: TestMetricFilter's logEventMessages: "Minimum number of 1 item. Maximum number of 50
#: items", each "Minimum length of 1" (CloudWatch Logs API Reference, TestMetricFilter).
MIN_LOG_EVENT_MESSAGES = 1
MAX_LOG_EVENT_MESSAGES = 50


class InvalidParameterError(ValueError):
    """AWS's InvalidParameterException; str() is AWS's message."""


class InvalidPatternError(InvalidParameterError):
    """AWS's InvalidParameterException for a filter pattern; str() is AWS's message."""


#: AWS's messages for a pattern over one of the limits above (tests/aws-recorded holds
#: the regex and the per-selector ones).
TOO_MANY_REGEXES = (
    f"Your input has exceeded the maximum of {MAX_REGEX_PER_PATTERN} regular expressions per filter pattern."
)
TOO_MANY_WILDCARD_SELECTORS = (
    f"Your filter pattern has exceeded the maximum of {MAX_WILDCARD_SELECTORS} wildcard selectors per "
    "filter pattern."
)
TOO_MANY_WILDCARDS_IN_SELECTOR = (
    "Your filter pattern has a JSON path selector that exceeds the maximum of "
    f"{MAX_WILDCARDS_PER_SELECTOR} wildcard allowed per json selector."
)


def within_limit(count: int, limit: int, message: str) -> int:
    """``count``, or InvalidPatternError with AWS's ``message`` when it is over ``limit``."""
    if count > limit:
        raise InvalidPatternError(message)
    return count


def _constraint(value: str, member: str, constraint: str) -> str:
    return f"Value '{value}' at '{member}' failed to satisfy constraint: Member must have {constraint}"


def validation_message(violations: list[str]) -> str:
    """AWS's request-validation message for one or more violated constraints."""
    count = len(violations)
    noun = "error" if count == 1 else "errors"
    return f"{count} validation {noun} detected: " + "; ".join(violations)


def pattern_length_violation(pattern: str) -> str | None:
    """AWS's constraint message when the pattern is too long, else None."""
    if len(pattern) <= MAX_PATTERN_LENGTH:
        return None
    return _constraint(pattern, "filterPattern", f"length less than or equal to {MAX_PATTERN_LENGTH}")


def request_violations(filter_pattern: str, log_event_messages: list[str]) -> list[str]:
    """Every TestMetricFilter request constraint these inputs break, in AWS's words."""
    violations = [v for v in (pattern_length_violation(filter_pattern),) if v]
    count = len(log_event_messages)
    if not MIN_LOG_EVENT_MESSAGES <= count <= MAX_LOG_EVENT_MESSAGES:
        bound = (
            f"greater than or equal to {MIN_LOG_EVENT_MESSAGES}"
            if count < MIN_LOG_EVENT_MESSAGES
            else f"less than or equal to {MAX_LOG_EVENT_MESSAGES}"
        )
        listed = "[" + ", ".join(log_event_messages) + "]"
        violations.append(_constraint(listed, "logEventMessages", f"length {bound}"))
    for number, message in enumerate(log_event_messages, start=1):
        if not message:
            violations.append(
                _constraint(message, f"logEventMessages.{number}.member", "length greater than or equal to 1")
            )
    return violations
