"""The domain core: plain Python, never imports textual (tests/test_core_hygiene.py checks).

Layers, lowest first (``.importlinter`` holds the contract the test suite runs): schema,
scoring and the register declarations; the model; the domain modules (SoA, programme, steps,
…); export and import; the CLI and the app above the core. A lower layer never imports a
higher one. Where a lower layer needs logic that lives higher up (the SoA's checks in
``validate_assessment``, the audit-independence rule of the audit register) the higher module
plugs it in when imported; importing this package imports those modules, so the plug-ins are
always in place.
"""

from . import incidents as _incidents  # noqa: F401  (fills registers.RULE_HOOKS)
from . import programme as _programme  # noqa: F401  (fills registers.RULE_HOOKS)
from . import soa as _soa  # noqa: F401  (fills model.ASSESSMENT_CHECKS)
