"""Which templates render an exchange: the repository's own `templates/`, or those ZT-IX ships.

Templates are read into memory (relative path -> text), so the working tree, a git revision and
the installed package are handled alike: `plan --base` renders the base revision with the base
revision's own templates. Each area (`bird/`, `plan.md.j2`, `portal/`) comes whole from one place,
so a repository that overrides the BIRD policy never mixes its files with shipped ones of another
version.

A pull request from a stranger can change templates and CI renders them before review, so every
environment built here is Jinja2's immutable sandbox (a template cannot reach Python internals),
with `StrictUndefined` (a missing value is an error, never an empty string).
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ztix.errors import TemplateError
from ztix.load.tree import TEMPLATES_DIR

if TYPE_CHECKING:
    import jinja2

# area -> the path prefix of its files; an area is taken whole from the repository if the
# repository has its entry file, otherwise whole from the shipped set.
AREAS: dict[str, tuple[str, str]] = {
    "bird": ("bird/", "bird/bird.conf.j2"),
    "plan": ("plan.md.j2", "plan.md.j2"),
    "portal": ("portal/", "portal/base.html"),
    "init": ("init/", "init/README.md.j2"),
}
# Bounds for templates read from a repository (reviewed code, but CI reads it before review).
MAX_TEMPLATE_BYTES = 256 * 1024
MAX_TEMPLATE_FILES = 200


@dataclass(frozen=True)
class TemplateSet:
    """The template texts to render with, and where each area came from."""

    files: Mapping[str, str]
    origins: Mapping[str, str] = field(default_factory=dict)

    def area(self, name: str) -> dict[str, str]:
        """The files of one area (relative path -> text)."""
        prefix = AREAS[name][0]
        return {p: t for p, t in self.files.items() if p == prefix or p.startswith(prefix)}

    def describe(self) -> str:
        """One line: where the BIRD, plan and portal templates came from."""
        return "; ".join(f"{area}: {self.origins.get(area, 'none')}" for area in AREAS)

    def environment(
        self,
        *,
        autoescape: bool = False,
        finalize: Callable[[Any], Any] | None = None,
        trusted: tuple[type, ...] = (),
        bytecode: jinja2.BytecodeCache | None = None,
    ) -> jinja2.Environment:
        """A sandboxed, strict Jinja2 environment over these templates.

        `trusted`: the caller's own frozen value types, whose public fields templates may read
        without the sandbox's generic (slow) check. `bytecode`: code compiled ahead of time for
        some of them (ztix.render.precompiled).
        """
        import jinja2  # noqa: PLC0415  (only commands that render pay for it)

        return _sandbox(frozenset(trusted))(
            loader=jinja2.FunctionLoader(_source(dict(self.files))),
            # Templates compile on every run of a short command; Jinja's optimizer (constant
            # folding at compile time) costs more there than it saves in rendering.
            optimized=False,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            autoescape=autoescape,
            finalize=finalize,
            bytecode_cache=bytecode,
        )


def _source(files: dict[str, str]) -> Callable[[str], tuple[str, str, Callable[[], bool]]]:
    """A Jinja2 loader function over `files` that names each template's file, so an error
    while rendering is reported at its template file and line."""
    import jinja2  # noqa: PLC0415

    def load(name: str) -> tuple[str, str, Callable[[], bool]]:
        if name not in files:
            raise jinja2.TemplateNotFound(name)
        return files[name], name, lambda: True

    return load


def render_template(env: jinja2.Environment, name: str, context: Mapping[str, Any]) -> str:
    """Render template `name`; any template failure is a TemplateError naming the template
    file and line (a repository's own templates are reviewed code, but may still be broken)."""
    import jinja2  # noqa: PLC0415

    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateSyntaxError as exc:
        where = f"templates/{exc.name or name}:{exc.lineno}"
        raise TemplateError(f"{where}: {exc.message}") from None
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(
            f"{_where(exc, env, name)}: includes {exc.name!r}, which is not in the template set"
        ) from None
    except jinja2.TemplateError as exc:  # the sandbox's SecurityError and UndefinedError too
        raise TemplateError(f"{_where(exc, env, name)}: {exc}") from None


def _where(exc: BaseException, env: jinja2.Environment, name: str) -> str:
    """templates/<file>:<line> of the innermost template frame of a rendering error."""
    import traceback  # noqa: PLC0415

    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith(".j2") or frame.filename.endswith((".html", ".md")):
            return f"templates/{frame.filename}:{frame.lineno}"
    return f"templates/{name}"


def _sandbox(trusted: frozenset[type]) -> type[jinja2.Environment]:
    """Jinja2's immutable sandbox, with a fast path for the values ZT-IX itself passes in.

    The sandbox checks every attribute a template reads; for a config of thousands of sessions
    that is most of the rendering time. Public fields of ZT-IX's own frozen dataclasses (plain
    strings and numbers) are safe to read, so they skip the generic check; everything else, and
    every name that starts with an underscore, still goes through it.
    """
    import jinja2.sandbox  # noqa: PLC0415

    class Sandbox(jinja2.sandbox.ImmutableSandboxedEnvironment):
        def getattr(self, obj: Any, attribute: str) -> Any:
            if type(obj) in trusted and not attribute.startswith("_"):
                try:
                    return getattr(obj, attribute)
                except AttributeError:
                    pass
            return super().getattr(obj, attribute)

    return Sandbox


def shipped_dir(packaged: str, checkout: str) -> tuple[Traversable, str]:
    """Data shipped with ZT-IX: `ztix/<packaged>` in the wheel, or `<checkout>/` in a source tree.

    The wheel maps the top-level folders into the package at build time (pyproject.toml); a
    source checkout or an editable install finds them beside the package.
    """
    inside = importlib.resources.files("ztix").joinpath(packaged)
    if inside.is_dir():
        return inside, f"shipped with ztix {_version()}"
    beside = Path(__file__).resolve().parents[2] / checkout
    if beside.is_dir():
        return beside, "the ztix source checkout it runs from"
    raise TemplateError(
        f"this installation of ztix has no {checkout}/ (the package is incomplete); reinstall it"
    )


def _version() -> str:
    from ztix import __version__  # noqa: PLC0415  (cheap; kept here to avoid an import cycle)

    return __version__


def read_traversable(root: Traversable, prefix: str = "") -> dict[str, str]:
    """Every file under `root` (relative path -> text), skipping `__pycache__` and dot folders."""
    out: dict[str, str] = {}
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.name.startswith("__"):
            continue
        if entry.is_dir():
            if entry.name.startswith("."):
                continue
            out.update(read_traversable(entry, f"{prefix}{entry.name}/"))
        elif entry.is_file():
            out[f"{prefix}{entry.name}"] = entry.read_text(encoding="utf-8")
    return out


def shipped() -> TemplateSet:
    """The templates ZT-IX ships (in the wheel, or in the source checkout it runs from)."""
    root, origin = shipped_dir(TEMPLATES_DIR, TEMPLATES_DIR)
    return TemplateSet(read_traversable(root), dict.fromkeys(AREAS, origin))


def overlay(own: Mapping[str, str], where: str) -> TemplateSet:
    """The repository's own templates (paths relative to `templates/`) over the shipped ones."""
    base = shipped()
    files: dict[str, str] = {}
    origins: dict[str, str] = {}
    for area, (prefix, entry) in AREAS.items():

        def in_area(path: str, prefix: str = prefix) -> bool:
            return path == prefix or path.startswith(prefix)

        source = own if entry in own else base.files
        origins[area] = where if entry in own else base.origins[area]
        files.update({p: t for p, t in source.items() if in_area(p)})
    return TemplateSet(files, origins)


def from_directory(repo: Path) -> TemplateSet:
    """For a working tree: `repo/templates/` where it has an area, shipped templates elsewhere."""
    root = repo / TEMPLATES_DIR
    own: dict[str, str] = {}
    if root.is_dir() and not root.is_symlink():
        own = _read_directory(root)
    return overlay(own, f"the repository's {TEMPLATES_DIR}/")


def from_files(files: Mapping[str, bytes | str], where: str) -> TemplateSet:
    """For a git revision: its `templates/...` files (repository-relative paths) over shipped."""
    prefix = f"{TEMPLATES_DIR}/"
    own: dict[str, str] = {}
    for path, data in files.items():
        if path.startswith(prefix):
            own[path.removeprefix(prefix)] = _decode(path, data)
    _check_bounds(own, where)
    return overlay(own, where)


def _read_directory(root: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if any(part.startswith(".") for part in relative.split("/")):
            continue
        if path.is_symlink():
            raise TemplateError(
                f"{TEMPLATES_DIR}/{relative}: is a symbolic link; templates must be regular files"
            )
        if path.is_file():
            if path.stat().st_size > MAX_TEMPLATE_BYTES:
                raise TemplateError(
                    f"{TEMPLATES_DIR}/{relative}: larger than {MAX_TEMPLATE_BYTES} bytes"
                )
            out[relative] = _decode(f"{TEMPLATES_DIR}/{relative}", path.read_bytes())
        elif not path.is_dir():
            # Skipped, it would silently leave the shipped template in its place (or hang a
            # read, for a FIFO): the operator meant a template there.
            raise TemplateError(
                f"{TEMPLATES_DIR}/{relative}: is not a regular file (a FIFO, socket or device); "
                "templates must be regular files"
            )
    _check_bounds(out, f"{root}")
    return out


def _check_bounds(files: Mapping[str, str], where: str) -> None:
    if len(files) > MAX_TEMPLATE_FILES:
        raise TemplateError(f"{where}: more than {MAX_TEMPLATE_FILES} template files")
    for path, text in files.items():
        if len(text.encode()) > MAX_TEMPLATE_BYTES:
            raise TemplateError(f"{TEMPLATES_DIR}/{path}: larger than {MAX_TEMPLATE_BYTES} bytes")


def _decode(path: str, data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TemplateError(f"{path}: not UTF-8 (byte {exc.start})") from None
