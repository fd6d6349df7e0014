"""Maintainers' tooling, run from a checkout (``python -m trailwatch.maint``, ``make docs``,
``make service-calls``, ``make lint``): the policy
guard (policycheck, servicecalls, policylint, planpolicies) and the README table generator
(docs). No user command imports it; the wheel does not carry it.
"""
