"""``efficiency``: among the answers that look correct, the shorter the better.

Length is relative to the group: ``1 - (len - min) / (max - min)`` over the
compared candidates, in tokens when every candidate has its token ids, else in
characters. Which candidates are compared depends on the correctness signal the
context offers, read from the round's group record (``rewards.group``), never
recomputed here:

* math: the group's majority final answer (a strict plurality of at least two) by
  the record's ``answer_classes``, the same classes ``answer_agreement`` votes with
  (``\\frac{1}{2}`` and ``0.5`` are one answer); only candidates giving it are
  compared;
* code with tests in the prompt: the candidates with the group's best share of
  tests passed (above 0), from the record's ``code`` fact (the runs ``code_exec``
  reads too); with the sandbox off no test is run, so code has no correctness signal;
* JSON with a ``response_format``: the candidates whose JSON is fully valid, from
  the record's ``json`` fact;
* otherwise (or when no candidate has the signal) every complete candidate.

Candidates a gate vetoed (keyword ``vetoed``) are never compared and make no majority:
the evidence of the others must quote nothing of theirs (see ``rewards.scoring``).

A candidate outside the compared set is not applicable (``None``): being wrong is
other rewards' business, this one only orders the right ones. A candidate cut off by
the token limit (``finish_reason == "length"``) scores 0 whatever it says.

Range 0..1.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rewards.budget import (
    DEFAULT_REWARD_TIMEOUT_S,
    BudgetExceeded,
    RemoteError,
    default_budget_pool,
)
from rewards.builtin._record import record_for
from rewards.builtin.code_exec import (
    MAX_CODE_CHARS,
    CodeSettings,
    SandboxMode,
    code_scores,
    tests_for,
)
from rewards.builtin.json_valid import json_fact, json_scores
from rewards.builtin.math_answers import normalize_text, truncated
from rewards.group import GroupRecord
from rewards.types import Candidate, RewardContext, Score
from rewards.workers import WorkerError


class Efficiency:
    """Relative brevity among the candidates that look correct; truncation scores 0.

    The settings below are the ``code`` fact's when this reward builds its own group
    record (offline); the server's record runs the code under the configured
    sandbox settings, which ``code_exec`` reads too.

    Args:
        code_timeout_s: wall-clock limit of one sandbox run (when tests are run).
        code_budget_s: wall time for the group's sandbox runs.
        sandbox: ``wasi``, or ``off`` (no code is run: code has no correctness signal).
        max_code_chars: longest answer ``code_exec`` parses.
        workers: sandbox runs at the same time (as ``code_exec``'s).
        json_timeout_s: budget of the JSON Schema check when it builds its own record
            (offline): run in a killable budget worker, since a client schema can be
            slow to check; the server's record computes the ``json`` fact under a
            reward's budget.

    Example:
        >>> reward = Efficiency()
        >>> ctx = RewardContext(prompt="What is 6 * 7?", task="math")
        >>> texts = ["6 * 7 = 42", "Six times seven: 6 * 7 = 42, so 42", "It is 41"]
        >>> [s.value for s in reward(completions=texts, context=ctx, candidates=[])]
        [1.0, 0.0, None]
    """

    name = "efficiency"
    reads: ClassVar[tuple[str, ...]] = ("answers", "answer_classes", "code", "json")

    def __init__(
        self,
        code_timeout_s: float = 5.0,
        code_budget_s: float = 20.0,
        *,
        sandbox: SandboxMode = "wasi",
        max_code_chars: int = MAX_CODE_CHARS,
        json_timeout_s: float = DEFAULT_REWARD_TIMEOUT_S,
        workers: int = 2,
    ) -> None:
        self.settings = CodeSettings(
            code_timeout_s, code_budget_s, workers, sandbox, max_code_chars
        )
        self.code_timeout_s = code_timeout_s
        self.code_budget_s = code_budget_s
        self.sandbox = sandbox
        self.max_code_chars = max_code_chars
        self.json_timeout_s = json_timeout_s
        self.workers = workers

    @property
    def fact_settings(self) -> dict[str, Any]:
        """The settings its facts are computed under (the record's ``settings``)."""
        return {"code": self.settings}

    def reads_for(self, context: RewardContext) -> tuple[str, ...]:
        """The facts it reads for this request: only its task's correctness signal."""
        if context.task == "math":
            return ("answers", "answer_classes")
        if context.task == "code" and tests_for(context):
            return ("code",)
        if _json_format(context):
            return ("json",)
        return ()

    def __call__(
        self,
        *,
        completions: list[str],
        context: RewardContext,
        candidates: list[Candidate],
        **kwargs: Any,
    ) -> list[Score]:
        """Scores a group.

        Args:
            completions: the candidates' texts.
            context: the request context: its task, tests and response_format.
            candidates: token counts and finish reasons; may be empty (then
                characters are counted and nothing counts as truncated).
            **kwargs: ``group`` (the round's record, whose facts are read) and
                ``vetoed`` (one bool a candidate, from scoring): vetoed candidates are
                never compared, so the majority answer quoted in the others' evidence
                is never theirs; the rest is ignored.
        """
        n = len(completions)
        record = record_for(kwargs, context, completions, candidates, self.fact_settings)
        if record is not kwargs.get("group") and _json_format(context) and context.task != "math":
            self._own_json(record)
        vetoed = list(kwargs.get("vetoed") or record.vetoed)
        use_tokens = len(candidates) == n and n > 0 and all(c.token_ids for c in candidates)
        unit = "tokens" if use_tokens else "chars"
        sizes = [c.num_tokens for c in candidates] if use_tokens else [len(t) for t in completions]
        cut = [i < len(candidates) and truncated(candidates[i].finish_reason) for i in range(n)]
        complete = [i for i in range(n) if not cut[i] and not (i < len(vetoed) and vetoed[i])]
        chosen, signal = self._correct(record, context, complete)
        compared = chosen if chosen else complete
        if not chosen:
            signal = f"no correctness signal ({signal}): all complete answers compared"
        low = min((sizes[i] for i in compared), default=0)
        high = max((sizes[i] for i in compared), default=0)
        scores: list[Score] = []
        for i in range(n):
            if cut[i]:
                scores.append(Score(0.0, f"truncated at {sizes[i]} {unit} (finish_reason=length)"))
            elif i not in compared:
                scores.append(Score(None, f"not compared: compared are those with {signal}"))
            else:
                value = 1.0 if high == low else 1.0 - (sizes[i] - low) / (high - low)
                scores.append(
                    Score(value, f"{sizes[i]} {unit}, compared range {low}-{high}; {signal}")
                )
        return scores

    def _correct(
        self, record: GroupRecord, context: RewardContext, complete: list[int]
    ) -> tuple[list[int], str]:
        """The complete candidates that look correct, and the signal used, in words."""
        if not complete:
            return [], "every candidate truncated"
        if context.task == "math":
            return _math_majority(record, complete)
        if context.task == "code" and tests_for(context):
            fact = record.fact("code")
            if fact.sandbox == "off":
                return [], "sandbox off: tests not run"
            scores = code_scores(fact)
            values: dict[int, float] = {}
            for i in complete:
                value = scores[i].value
                if value is not None:
                    values[i] = value
            best = max(values.values(), default=0.0)
            if best <= 0:
                return [], "no candidate passes any test"
            chosen = [i for i, v in values.items() if v == best]
            return chosen, f"the best test result ({best:.0%} passed)"
        if _json_format(context):
            if record.error("json"):
                return [], str(record.error("json"))
            scores = json_scores(record.fact("json"), context, record.candidates)
            valid = [i for i in complete if scores[i].value == 1.0]
            return valid, "fully valid JSON" if valid else "no fully valid JSON"
        return [], "none for this task"

    def _own_json(self, record: GroupRecord) -> None:
        """Its own record's ``json`` fact, in a killable budget worker (offline use)."""
        kwargs = {"record": record}
        try:
            record.put(
                "json",
                default_budget_pool().call(json_fact, "__call__", kwargs, self.json_timeout_s),
            )
        except BudgetExceeded:
            record.fail("json", f"JSON check ran out of time ({self.json_timeout_s:g} s)")
        except (RemoteError, WorkerError) as exc:
            record.fail("json", f"JSON check failed ({type(exc).__name__})")


def _json_format(context: RewardContext) -> bool:
    return (context.response_format or {}).get("type") in ("json_object", "json_schema")


def _math_majority(record: GroupRecord, complete: list[int]) -> tuple[list[int], str]:
    """The candidates giving the strict-plurality answer class (of at least two)."""
    answers = record.fact("answers")
    classes = record.fact("answer_classes").classes
    # Only complete, kept candidates vote (a truncated one never does).
    voters = [i for i in complete if answers[i].voting and classes[i] is not None]
    counts = record.fact("answer_classes").votes(voters).most_common(2)
    if not counts or counts[0][1] < 2 or (len(counts) > 1 and counts[1][1] == counts[0][1]):
        return [], "no majority final answer"
    top, count = counts[0]
    members = [i for i in voters if classes[i] == top]
    first = normalize_text(str(answers[members[0]].voting))
    shown = first if len(first) <= 20 else first[:17] + "..."
    return members, f"the majority answer {shown!r} ({count} of {len(complete)})"
