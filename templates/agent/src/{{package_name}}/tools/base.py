"""What a tool is: a pydantic model the model fills in, a policy, and an optional handler."""

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, JsonValue

from ..policy import Policy


class Intent(BaseModel):
    """Base of every tool model. Subclasses set `intent: Literal["name"]`; the docstring is the
    description the model sees, and the fields are the arguments it must fill in."""

    # NaN and infinity are not JSON: a call carrying them is a parse error the model can correct.
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    intent: str


@dataclass(frozen=True)
class ToolSpec:
    """What the model sees of a tool: generated from the pydantic model, never hand-written."""

    name: str
    description: str
    parameters: dict[str, JsonValue]


# Handlers return structured data, never prose: a mapping or a pydantic model.
ToolOutput = Mapping[str, JsonValue] | BaseModel

M = TypeVar("M", bound=Intent)


@dataclass(frozen=True)
class Tool(Generic[M]):
    """A registration: `TOOL = Tool(model=Multiply, policy=Policy.SYNC, handler=handle)`."""

    model: type[M]
    policy: Policy
    handler: Callable[[M], ToolOutput] | None = None

    def __post_init__(self) -> None:
        runs_code = self.policy in (Policy.SYNC, Policy.NEEDS_APPROVAL)
        if runs_code and self.handler is None:
            raise TypeError(f"{self.model.__name__}: a {self.policy.value} tool needs a handler")
        if not runs_code and self.handler is not None:
            raise TypeError(f"{self.model.__name__}: a {self.policy.value} tool takes no handler")

    @property
    def name(self) -> str:
        default = self.model.model_fields["intent"].default
        if not isinstance(default, str):
            raise TypeError(f"{self.model.__name__}.intent needs a Literal default")
        return default

    @property
    def description(self) -> str:
        return (self.model.__doc__ or "").strip()

    def spec(self) -> ToolSpec:
        """The tool's JSON schema without `intent`: the tool name already carries it."""
        schema = self.model.model_json_schema()
        properties = {k: v for k, v in schema.get("properties", {}).items() if k != "intent"}
        required = [k for k in schema.get("required", []) if k != "intent"]
        parameters: dict[str, JsonValue] = {"type": "object", "properties": properties}
        if required:
            parameters["required"] = required
        parameters["additionalProperties"] = False
        if "$defs" in schema:
            parameters["$defs"] = schema["$defs"]
        return ToolSpec(name=self.name, description=self.description, parameters=parameters)

    def run(self, call: Intent) -> dict[str, JsonValue]:
        """Run the handler on a parsed call and return its result as JSON-ready data."""
        if self.handler is None or not isinstance(call, self.model):
            raise TypeError(f"{self.name} cannot run {type(call).__name__}")
        output = self.handler(call)
        data = output.model_dump(mode="json") if isinstance(output, BaseModel) else dict(output)
        # Exactly what the store gives back: JSON types only. NaN and infinity (e.g. an
        # overflow) are refused, as the store would turn them into null after a reload.
        result: dict[str, JsonValue] = json.loads(json.dumps(data, allow_nan=False))
        problem = unstorable(result)
        if problem is not None:
            raise ValueError(f"the result {problem}")
        return result


def unstorable(value: JsonValue) -> str | None:
    """Why no store can keep `value` (a NUL character, which PostgreSQL refuses, or a lone
    surrogate, which is not UTF-8; JSON escapes can smuggle in both), or None."""
    if isinstance(value, str):
        if "\x00" in value:
            return "contains a NUL character"
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return "contains invalid Unicode (a lone surrogate)"
        return None
    children: list[JsonValue] = []
    if isinstance(value, dict):
        children = [*value.keys(), *value.values()]
    elif isinstance(value, list):
        children = value
    for child in children:
        problem = unstorable(child)
        if problem is not None:
            return problem
    return None
