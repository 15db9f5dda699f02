"""Task detection: which kind of request this is (tool, JSON, code, math, general).

:func:`detect_task` reads the request and returns the task with the evidence for it,
in our own words (never a quote of the request). Regular expressions only, over the
client's prompt: on RE2 (linear time) where they can be, otherwise linear by
construction (see each pattern's comment).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rewards import linear_re
from rewards.types import Task, content_text

_JSON_FORMATS = ("json_object", "json_schema")
# Patterns over the client's prompt run on RE2 (linear time). The three left on re
# need a one-character lookaround RE2 lacks; each is linear there (see its comment).
_JSON_WORDS = linear_re.compile(
    r"\b(?:respond|reply|answer|output|return|format|give|provide|produce)\b[^.!?\n]{0,40}?"
    r"\b(?:in|as|with|using)\s+(?:an?\s+|the\s+)?(?:valid\s+|strict\s+)?json\b"
    r"|\b(?:respond|reply|answer|output|return|give|provide|produce)\b(?:\s+(?:me|only|just|back))*"
    r"\s+(?:an?\s+|the\s+)?(?:valid\s+|strict\s+|single\s+)?json\b"
    r"|\bjson\s+only\b|\bonly\s+(?:valid\s+)?json\b"
    # JSON asked for inside a ```json fence (instructor's MD_JSON mode): the fence is the
    # answer's wrapping, not code in the prompt.
    r"|\b(?:respond|reply|answer|output|return|format|give|provide|produce|put|wrap|write)\b"
    r"[^.!?\n]{0,60}?\b(?:in|within|inside|into)\s+(?:an?\s+|the\s+)?```\s*json\b",
    re.IGNORECASE,
)
# re (lookarounds): an alternation of literals of at most 10 characters, no quantifier:
# each start position costs a bounded number of steps.
_LANGUAGES = re.compile(
    r"(?<![\w+#])(python|javascript|typescript|c\+\+|c#|golang|kotlin|php|perl|haskell|sql|bash"
    r"|powershell|html|css|regex|numpy|pandas|django|node\.js|docker|kubernetes|git|linux)"
    r"(?![\w+#])",
    re.IGNORECASE,
)
# Words that are also programming words but not only ("rust on my bike", "Java coffee")
# count as coding terms, so they need a second one.
_CODING_TERMS = linear_re.compile(
    r"\b(rust|java|ruby|scala|swift|react|flask|functions?|class(?:es)?|methods?|variables?"
    r"|compiler?|bugs?|debug\w*|stack trace"
    r"|traceback|exceptions?|api|scripts?|algorithms?|implement\w*|refactor\w*|unit tests?"
    r"|loops?|arrays?|recursion|library|syntax|code|program(?:s|ming)?|segfault|runtime"
    r"|repository|endpoint|command line|terminal)\b",
    re.IGNORECASE,
)
_CODING_REQUEST = linear_re.compile(
    r"\b(?:write|implement|fix|debug|refactor|optimi[sz]e|review)\b[^.?!\n]{0,30}?"
    r"\b(?:functions?|class|method|program|script|code|query|regex|tests?)\b",
    re.IGNORECASE,
)
# Under re, "`" + "a(" * n was quadratic (8 s at 40 KB): [^`\n]* backtracks to every "a(".
_CODE_SYNTAX = linear_re.compile(
    r"(?m)^[ \t]*(?:def \w+\(|class \w+[:(]|import \w+|from [\w.]+ import|#include\s*<"
    r"|public (?:static )?\w+|fn \w+\(|func \w+\()|`[^`\n]*\w\([^`\n]*\)[^`\n]*`"
)
# The same separator twice, spelled out: RE2 has no backreference.
_DATES = linear_re.compile(r"\b\d{1,4}/\d{1,2}/\d{1,4}\b|\b\d{1,4}-\d{1,2}-\d{1,4}\b")
# re (lookarounds): no nested quantifier; the lookbehind lets a match start only where a
# digit run starts, and each start scans that run and the spaces after it once or twice.
_ARITHMETIC = re.compile(
    r"(?<![\w.])-?\d+(?:\.\d+)?(?:\s*[+*/\u00d7\u00f7^]\s*|\s+-\s+)-?\d+(?:\.\d+)?(?![\w.])"
)
_LATEX = linear_re.compile(
    r"\\(?:frac|dfrac|sqrt|sum|int|cdot|times|pi|leq?|geq?|binom)\b|\$[^$\n]+\$"
)
_MATH_PHRASES = linear_re.compile(
    r"\b(how many|how much|calculate|compute|solve|evaluate|simplify|what is the (?:sum|product"
    r"|value|difference|quotient|remainder|probability|area|perimeter|volume)|sum of|product of"
    r"|equations?|integers?|primes?|probability|remainder|divisible|percent(?:age)?|average"
    r"|square root|derivative|integral|times|plus|minus|divided by|multiplied by"
    r"|what is -?\d)\b",
    re.IGNORECASE,
)
# re (lookbehind): one quantified run per start, starts only where a digit run starts.
_NUMBERS = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?")


def _json_format(response_format: Mapping[str, Any] | None) -> str | None:
    kind = (response_format or {}).get("type")
    return kind if kind in _JSON_FORMATS else None


def roles_text(messages: Iterable[Mapping[str, Any]], roles: tuple[str, ...]) -> list[str]:
    return [content_text(m.get("content")) for m in messages if m.get("role") in roles]


# A keyword's stem: "debugging" -> "debug" (the regex's \w* tail is the client's word).
_STEM = re.compile(r"^(debug|implement|refactor)\w*")


def _quote(matches: Iterable[str], limit: int = 3) -> str:
    """Our own keywords that matched, lower-cased and stemmed: never the client's text."""
    unique = list(dict.fromkeys(_STEM.sub(r"\1", m.lower()) for m in matches))
    return ", ".join(unique[:limit])


def detect_task(
    prompt: str,
    *,
    messages: Iterable[Mapping[str, Any]] | None = None,
    response_format: Mapping[str, Any] | None = None,
    tools: Sequence[Any] | None = None,
    tool_choice: str | Mapping[str, Any] | None = None,
) -> tuple[Task, list[str]]:
    """Detects the request's task, with the evidence for it.

    Priority: tools declared (and ``tool_choice`` not ``none``) > JSON asked for
    (``response_format`` or in words) > code (fences,
    programming words, code syntax) > math (arithmetic, LaTeX, or numbers with
    math phrasing) > general. Code and math look at the last user message; JSON
    instructions count in the system prompt too.

    Args:
        prompt: the prompt text (used when there are no messages).
        messages: the chat messages, if a chat request.
        response_format: OpenAI's ``response_format`` object, if any.
        tools: the request's declared tools (OpenAI's ``tools``), if any.
        tool_choice: OpenAI's ``tool_choice``, if sent (None reads as ``auto``).

    Returns:
        The task and the evidence strings: our own words and keywords, never a quote of
        the request (the evidence goes into every trace, summary ones too, and a system
        prompt can hold secrets).

    >>> detect_task("What is 12 * 7?")
    ('math', ['arithmetic expression in prompt'])
    """
    if tools and tool_choice != "none":
        return "tool", [_tool_evidence(len(tools), tool_choice)]
    msgs = list(messages or [])
    users = roles_text(msgs, ("user",))
    text = users[-1] if users else prompt
    system = "\n".join(roles_text(msgs, ("system", "developer")))

    json_format = _json_format(response_format)
    if json_format:
        return "json", [f"response_format={json_format}"]
    for where, source in (("prompt", text), ("system prompt", system)):
        words = _JSON_WORDS.search(source)
        if words:
            return "json", [f"JSON asked for in {where}"]

    evidence: list[str] = []
    if "```" in text:
        evidence.append("code fence in prompt")
    languages = _LANGUAGES.findall(text)
    terms = _CODING_TERMS.findall(text)
    request = _CODING_REQUEST.search(text)
    syntax = _CODE_SYNTAX.search(text)
    if languages or len(set(t.lower() for t in terms)) >= 2:
        evidence.append(f"programming words: {_quote(languages + terms)}")
    elif request:
        evidence.append("coding request in prompt")
    if syntax:
        evidence.append("code syntax in prompt")
    if evidence:
        return "code", evidence

    undated = _DATES.sub(" ", text)
    arithmetic = _ARITHMETIC.search(undated)
    if arithmetic:
        evidence.append("arithmetic expression in prompt")
    latex = _LATEX.search(text)
    if latex:
        evidence.append("LaTeX math in prompt")
    phrases = _MATH_PHRASES.findall(text)
    if phrases and _NUMBERS.search(undated):
        evidence.append(f"math phrasing: {_quote(repr(p.lower()) for p in phrases)}")
    if evidence:
        return "math", evidence
    return "general", ["no JSON, code or math evidence"]


def _tool_evidence(count: int, tool_choice: str | Mapping[str, Any] | None) -> str:
    """Our words for a tool turn: how many tools, which kind of choice (never a name)."""
    if isinstance(tool_choice, Mapping):
        choice = "names one function"
    elif tool_choice is None:
        choice = "not sent (auto)"
    else:
        choice = f"is {tool_choice}" if tool_choice in ("auto", "required") else "is set"
    return f"{count} tool(s) declared, tool_choice {choice}"
