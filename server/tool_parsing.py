"""Each candidate's tool calls, read by vLLM's own tool parsers.

The parsers (``vllm.tool_parsers.ToolParserManager``: ``hermes``, ``llama3_json``,
``mistral``, ``qwen3_xml``, ``pythonic``, ...) are used as vLLM's chat serving uses
them: a parser is built with the tokenizer and the request's tools, and
``extract_tool_calls(text, request)`` is given a vLLM ``ChatCompletionRequest`` that
carries the tools and the choice. For ``tool_choice: required`` and a named function
the candidates were generated under the JSON Schema vLLM builds for those
(``get_json_schema_from_tools``: a list of ``{"name", "parameters"}`` objects, or the
named function's arguments), and are read back the way vLLM reads them.

vLLM is imported on first use only (about 20 s on a CPU machine): an app that never
sees a tool does not pay for it. Everything here runs on the pipeline's worker
threads, never on the event loop.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import uuid
from dataclasses import dataclass, replace
from typing import Any

from rewards import Candidate, ToolCall
from server.tools import ToolSpec

log = logging.getLogger(__name__)


class UnknownToolParser(ValueError):
    """``--tool-call-parser`` names no parser vLLM has."""


def new_call_id() -> str:
    """An OpenAI-style tool call id (``call_`` and 24 hex digits)."""
    return f"call_{uuid.uuid4().hex[:24]}"


class _NoTokenizer:
    """Stands in for a tokenizer where the engine has none (scripted, upstream).

    The text parsers' ``extract_tool_calls`` reads text only; a parser that needs the
    vocabulary (special-token ids) cannot serve without the model's tokenizer and fails
    at construction, which :meth:`ToolParsing.parser` reports.
    """

    def get_vocab(self) -> dict[str, int]:
        return {}

    def __bool__(self) -> bool:
        return True


@dataclass(frozen=True)
class _Vllm:
    manager: Any
    request_cls: Any
    schema_of: Any
    function_definitions: Any  # TypeAdapter(list[FunctionDefinition])


_vllm: _Vllm | None = None
_vllm_lock = threading.Lock()


def _import_vllm() -> _Vllm:
    global _vllm
    with _vllm_lock:
        if _vllm is None:
            from pydantic import TypeAdapter
            from vllm.entrypoints.generate.base.protocol import FunctionDefinition
            from vllm.entrypoints.openai.chat_completion.protocol import ChatCompletionRequest
            from vllm.tool_parsers import ToolParserManager
            from vllm.tool_parsers.utils import get_json_schema_from_tools

            _vllm = _Vllm(
                manager=ToolParserManager,
                request_cls=ChatCompletionRequest,
                schema_of=get_json_schema_from_tools,
                function_definitions=TypeAdapter(list[FunctionDefinition]),
            )
        return _vllm


class ToolParsing:
    """The server's tool-call parser: one vLLM parser class, chosen at start."""

    def __init__(self, parser_name: str, tokenizer: Any = None) -> None:
        self.parser_name = parser_name
        self.tokenizer = tokenizer if tokenizer is not None else _NoTokenizer()
        self._cls: Any = None

    def check(self) -> None:
        """Raises UnknownToolParser unless vLLM has a parser of this name (imports vLLM)."""
        self._parser_cls()

    def _parser_cls(self) -> Any:
        if self._cls is None:
            api = _import_vllm()
            try:
                cls = api.manager.get_tool_parser(self.parser_name)
            except KeyError as exc:
                known = ", ".join(sorted(api.manager.list_registered()))
                raise UnknownToolParser(
                    f"unknown --tool-call-parser '{self.parser_name}' (vLLM has: {known})"
                ) from exc
            # A parser logs a traceback for every call it cannot read; with a group of
            # small-model candidates that is noise: the trace says what was parsed.
            logging.getLogger(sys.modules[cls.__module__].__name__).setLevel(logging.CRITICAL)
            self._cls = cls
        return self._cls

    def vllm_request(self, spec: ToolSpec) -> Any:
        """The vLLM ``ChatCompletionRequest`` a parser reads the tools and choice from."""
        return _import_vllm().request_cls(
            model="bon",
            messages=[{"role": "user", "content": ""}],
            tools=list(spec.tools),
            tool_choice=spec.tool_choice,
            parallel_tool_calls=spec.parallel_tool_calls,
        )

    def keeps_special_tokens(self, spec: ToolSpec) -> bool:
        """Whether the parser needs the special tokens kept in the text: its
        ``adjust_request`` says so (hermes does: in some models ``<tool_call>`` is a
        special token, which detokenizing would drop), as vLLM's serving asks it."""
        if not spec.active:
            return False
        request = self.vllm_request(spec)
        parser = self._parser_cls()(self.tokenizer, request.tools)
        try:
            adjusted = parser.adjust_request(request)
        except Exception:  # a parser that cannot adjust this request keeps the default
            return False
        return getattr(adjusted, "skip_special_tokens", True) is False

    def guided_schema(self, spec: ToolSpec) -> dict[str, Any] | None:
        """The JSON Schema that forces a call (``required``, named), as vLLM builds it."""
        if not spec.forced:
            return None
        request = self.vllm_request(spec)
        schema = _import_vllm().schema_of(
            tool_choice=request.tool_choice,
            tools=request.tools,
            parallel_tool_calls=request.parallel_tool_calls,
        )
        return schema if isinstance(schema, dict) else None

    def parse(
        self, candidates: list[Candidate], spec: ToolSpec, *, guided: bool
    ) -> list[Candidate]:
        """Each candidate with ``tool_calls`` and ``content`` filled in.

        Args:
            candidates: the group; one already parsed (an upstream's own ``tool_calls``:
                ``content`` set) is kept as it is.
            spec: the request's tools; with ``tool_choice: none`` nothing is parsed.
            guided: the engine generated under :meth:`guided_schema` (required/named):
                the text is that JSON, read as vLLM reads it.
        """
        if not spec.active:
            return candidates
        request = self.vllm_request(spec)
        out = []
        for c in candidates:
            if c.content is None and not c.tool_calls:
                if guided and spec.forced:
                    calls, content = self._read_guided(c.text, spec)
                else:
                    calls, content = self._read_text(c.text, request)
                c = replace(c, tool_calls=calls, content=content)
            if not spec.parallel_tool_calls and len(c.tool_calls) > 1:
                c = replace(c, tool_calls=c.tool_calls[:1])
            out.append(c)
        return out

    def _read_text(self, text: str, request: Any) -> tuple[tuple[ToolCall, ...], str]:
        parser = self._parser_cls()(self.tokenizer, request.tools)
        try:
            info = parser.extract_tool_calls(text, request)
        except Exception as exc:  # a parser bug must not fail the group: no calls read
            log.warning("tool parser %s failed: %s", self.parser_name, exc)
            return (), text
        if not info.tools_called:
            return (), info.content if info.content is not None else text
        calls = tuple(
            ToolCall(name=tc.function.name, arguments=tc.function.arguments, id=new_call_id())
            for tc in info.tool_calls
        )
        return calls, info.content or ""

    def _read_guided(self, text: str, spec: ToolSpec) -> tuple[tuple[ToolCall, ...], str]:
        """vLLM's reading of guided output: the named function's arguments object, or
        for ``required`` a JSON list of ``{"name", "parameters"}``. Text that is not
        that (the generation stopped early) carries no call."""
        if spec.named is not None:
            if not text.strip():
                return (), ""
            return (ToolCall(name=spec.named, arguments=text, id=new_call_id()),), ""
        try:
            defs = _import_vllm().function_definitions.validate_json(text)
        except ValueError:  # pydantic's ValidationError is a ValueError
            return (), text
        calls = tuple(
            ToolCall(
                name=d.name,
                arguments=json.dumps(d.parameters, ensure_ascii=False),
                id=new_call_id(),
            )
            for d in defs
        )
        return calls, ""
