"""YAML files validated by pydantic models (network specs, the monitor's config): a mistake is
reported in one line with the file, the YAML key path, the line, what is wrong and, for a
misspelt key, the closest known key (``duraton`` -> ``duration``)."""

from __future__ import annotations

import difflib
import types
import typing
from pathlib import Path
from typing import Annotated, Any, TypeVar, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from axonlab.errors import InputError

Model = TypeVar("Model", bound=BaseModel)


def load_yaml(path: str | Path, model: type[Model], *, kind: str, expected: str) -> Model:
    """Read the YAML file ``path`` and validate it as ``model``; raises :class:`InputError`
    naming the file, the key path and the line. ``kind`` names the file in messages ("spec"),
    ``expected`` says what its top level holds ("a mapping with dt, duration, ...")."""
    path = Path(path)
    try:
        text = path.read_text()
        data = yaml.safe_load(text)
    except OSError as err:
        raise InputError(f"cannot read {kind}: {err.strerror}", path=path) from None
    except UnicodeDecodeError:
        raise InputError(f"cannot read {kind}: not a UTF-8 text file", path=path) from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise InputError(
            f"not valid YAML: {getattr(err, 'problem', err)}",
            path=path,
            line=None if mark is None else mark.line + 1,
        ) from None
    if not isinstance(data, dict):
        raise InputError(f"expected {expected}", path=path)
    try:
        return model.model_validate(data)
    except ValidationError as err:
        message, line = describe(err, data, text, model)
        raise InputError(message, path=path, line=line) from None


def describe(
    err: ValidationError, data: Any, text: str, root: type[BaseModel]
) -> tuple[str, int | None]:
    """(message, 1-based line or None) for the most useful error of ``err``.

    An unknown key comes first: it is usually the cause of the other errors (``duraton`` also
    makes ``duration`` missing).
    """
    errors = err.errors()
    first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc = list(first["loc"])
    keys = _yaml_keys(data, loc)
    # the spec-wide checks (NetworkSpec._check_names) put the key path in their own message
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        known = _fields_at(root, loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
        message = "unknown key" + (
            f"; did you mean {close[0]!r}?" if close else f"; expected one of {sorted(known)}"
        )
    if first["type"] == "missing":  # not in the YAML: name it after the path that lacks it
        message = f"missing key {str(loc[-1])!r}"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    where = ".".join(str(k) for k in keys)
    return (f"{where}: {message}{more}" if where else f"{message}{more}"), _line(text, keys)


def _yaml_keys(data: Any, loc: list) -> list:
    """The parts of a pydantic location that are keys or indices of the YAML document (pydantic
    adds the names of union members, such as ``UniformSpec`` or a synapse type tag)."""
    keys, node = [], data
    for part in loc:
        if isinstance(node, dict) and part in node:
            keys.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            keys.append(part)
            node = node[part]
    return keys


def _line(text: str, keys: list) -> int | None:
    """1-based line of the key (or list item) at ``keys`` in the YAML ``text``."""
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return None
    line = None
    for key in keys:
        if isinstance(node, yaml.MappingNode):
            match = next(((k, v) for k, v in node.value if k.value == str(key)), None)
            if match is None:
                return line
            line, node = match[0].start_mark.line + 1, match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int):
            node = node.value[key]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def _fields_at(root: type[BaseModel], loc: list) -> list[str]:
    """Field names of the spec model that pydantic location ``loc`` points into (all spec
    fields if the location cannot be followed)."""
    ann: Any = root
    for part in loc:
        ann = _step(ann, part)
        if ann is None:
            break
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return list(ann.model_fields)
    return sorted({f for m in _models(root) for f in m.model_fields})


def _step(ann: Any, part: Any) -> Any:
    origin = get_origin(ann)
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        field = ann.model_fields.get(part) if isinstance(part, str) else None
        return None if field is None else field.annotation
    if origin is Annotated:
        return _step(get_args(ann)[0], part)
    if origin is dict:
        return get_args(ann)[1]
    if origin is list:
        return get_args(ann)[0]
    if origin in (typing.Union, types.UnionType):
        for member in get_args(ann):  # pydantic names a member by class or by its type tag
            if getattr(member, "__name__", None) == part or part in _tags(member):
                return member
    return None


def _tags(member: Any) -> tuple:
    if isinstance(member, type) and issubclass(member, BaseModel) and "type" in member.model_fields:
        return get_args(member.model_fields["type"].annotation)
    return ()


def _models(root: type[BaseModel]) -> set[type[BaseModel]]:
    """Every spec model reachable from ``root``."""
    seen: set[type[BaseModel]] = set()
    todo: list[Any] = [root]
    while todo:
        ann = todo.pop()
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            if ann not in seen:
                seen.add(ann)
                todo += [f.annotation for f in ann.model_fields.values()]
        else:
            todo += list(get_args(ann))
    return seen
