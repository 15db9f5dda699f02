"""Gates: safety and compliance checks that run on every group and can veto.

A gate is registered by name (:meth:`rewards.registry.RewardRegistry.register_gate`,
or the ``bon_server.gates`` entry-point group); every registered gate runs on
every group, and a client cannot switch one off. Built in:

* ``hazards``: harmful content by Llama Guard 3 hazard category (``hazard.S1``..``S14``);
  also judges the prompt, so an unsafe request is refused before generation;
* ``pii``: personal data and secrets the user did not give (e-mail, phone, card,
  IBAN, national ids, IP addresses, API keys, private keys);
* ``leakage``: the system prompt reproduced (fuzzy);
* ``injection``: prompt-injection payloads and hidden text carried into an answer (flag);
* ``policy``: the operator's compliance policy (:mod:`rewards.policy`), registered by
  the server when a policy file is configured.

The built-in gates match normalised text (:mod:`rewards.gates.normalize`: NFKC,
invisible and bidi characters removed, Unicode confusables read as ASCII, case folded
per character, with a map back to the text as written), computed once per text
whichever gates ask. The prompt check (``check_prompt``) judges every message of a
request, whatever its role (``RewardContext.screened_text``).

This module's ``__all__`` is the gates' public surface (the server imports gates only
from here and from :mod:`rewards`); the modules under it are private by convention.
"""

from __future__ import annotations

from collections.abc import Callable

from rewards.gates.hazards import HazardClassifier, HazardsGate
from rewards.gates.injection import InjectionGate
from rewards.gates.leakage import LeakageGate
from rewards.gates.llama_guard import LlamaGuardClassifier
from rewards.gates.pii import PiiGate
from rewards.policy import Policy, PolicyError, PolicyGate, load_policy
from rewards.types import Gate

BUILTIN_GATES: dict[str, Callable[[], Gate]] = {
    HazardsGate.name: HazardsGate,
    InjectionGate.name: InjectionGate,
    LeakageGate.name: LeakageGate,
    PiiGate.name: PiiGate,
}

__all__ = [
    "BUILTIN_GATES",
    "HazardClassifier",
    "HazardsGate",
    "InjectionGate",
    "LeakageGate",
    "LlamaGuardClassifier",
    "PiiGate",
    "Policy",
    "PolicyError",
    "PolicyGate",
    "load_policy",
]
