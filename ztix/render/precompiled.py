"""The shipped BIRD templates, compiled ahead of time: a render skips Jinja's parser.

Jinja turns a template into Python source (lexer, parser, code generator), then into code. For
the seven BIRD templates that took ~20 ms of every short `ztix render` and `ztix plan`, more
than rendering a small exchange. `compiled_bird.py` holds the Python source Jinja generates
for each shipped BIRD template in the BIRD environment (`routeserver.environment`); a render
only compiles that source (~5 ms).

It is served through Jinja's bytecode-cache interface
(https://jinja.palletsprojects.com/en/stable/api/#bytecode-cache), read-only, and only for a
template whose text has the checksum it was generated from, under the Jinja version that
generated it. Anything else (a repository's own templates, another Jinja) compiles as before.
Nothing is written anywhere. `python -m ztix.render.precompile` regenerates the file;
tests/render/test_precompiled.py fails while it is stale.
"""

from __future__ import annotations

import jinja2


class ShippedBytecode(jinja2.BytecodeCache):
    """Jinja's bytecode cache over `compiled_bird`: the code of unchanged shipped templates."""

    def __init__(self) -> None:
        from ztix.render import compiled_bird  # noqa: PLC0415  (render paths only)

        self._entries: dict[str, tuple[str, str, str]] = {}
        if jinja2.__version__ == compiled_bird.JINJA:
            # The BIRD environment's loader names each template's file by its name.
            self._entries = {
                self.get_cache_key(name, name): (checksum, name, python)
                for name, (checksum, python) in compiled_bird.TEMPLATES.items()
            }

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        """The template's code, when its text is the one the entry was generated from."""
        entry = self._entries.get(bucket.key)
        if entry is not None and entry[0] == bucket.checksum:
            _, name, python = entry
            # Exactly what Environment.compile does with the source it generates.
            bucket.code = compile(python, name, "exec")

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        """Never written: a template compiled here is not kept."""
