"""Maintainers' tooling, run from a checkout (``trailwatch-dev``, ``make lint``): the policy
guard (policycheck, servicecalls, policylint, planpolicies) and the README table generator
(docs). No user command imports it; the wheel does not carry it.
"""
