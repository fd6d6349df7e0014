"""The test harness: the embedded AWS emulator (moto, its shims and speed patches), the
Terraform ``Stack`` driver with its provider proxy and server and its init cache, the plan
inventories, the scenario corpus and ``trailwatch demo``.

Only the tests and ``trailwatch demo`` import this package (the demo loads it when it runs);
no user command does. It needs the ``demo`` extra (moto, tftest, python-hcl2) and a checkout:
the wheel does not carry it.
"""
