"""Compiled templates kept from run to run: the only state the template engine leaves behind."""

from __future__ import annotations

from pathlib import Path

import jinja2
import jinja2.bccache

from wcrecall import __version__


class CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """Jinja's compiled templates, kept in a private folder (beside the state files) so a run does not compile the
    templates an earlier run compiled. Each entry holds the checksum of its template's source, and Jinja compiles
    afresh when the source differs: an edited template is never served from the cache. Keyed by wcrecall's version
    too (the environment's settings may change with it). An unreadable entry is compiled again; a failed write is
    only a saving lost."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        super().__init__(str(directory), "%s.cache")

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        return super().get_cache_key(f"wcrecall {__version__}\0{name}", filename)

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # noqa: BLE001  # a damaged entry: compile again
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


def _bytecode_cache(directory: Path | None) -> CompiledTemplates | None:
    if directory is None:
        return None
    try:
        return CompiledTemplates(directory)
    except OSError:
        return None  # a folder that cannot be made: compile as if there were no cache
