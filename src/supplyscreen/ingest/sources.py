"""Files to read, from anything: a path, bytes or a binary file object, with the name they are shown by.

Every reader (spreadsheets, watchlists, rule files) takes a :class:`Source`, so the web app reads uploads
from memory under the names the user gave — nothing is written to disk to be read, and no message names
a temporary path. (The shape follows sqlite-utils' ``rows_from_file``.)
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Union

from supplyscreen.errors import InputError


@dataclass(frozen=True)
class Source:
    """One file: read from ``path`` or held in ``data``; ``name`` is what messages and reports show."""

    name: str
    path: Path | None = None
    data: bytes | None = field(default=None, repr=False)

    @classmethod
    def of(cls, source: SourceLike, name: str | None = None) -> Source:
        """A source from a path (its name as given, unless ``name``), bytes or a binary file object (read
        now; named ``name``, else the file's own name)."""
        if isinstance(source, Source):
            return source if name is None else replace(source, name=name)
        if isinstance(source, str | Path):
            return cls(name or str(source), path=Path(source))
        if isinstance(source, bytes | bytearray | memoryview):
            return cls(name or "<bytes>", data=bytes(source))
        if hasattr(source, "read"):
            data = source.read()
            if not isinstance(data, bytes):
                raise InputError(f"{name or 'a file object'}: open it in binary mode ('rb')")
            return cls(name or str(getattr(source, "name", "") or "<file>"), data=data)
        raise InputError(f"cannot read a {type(source).__name__}", hint="give a path, bytes or a binary file")

    @property
    def suffix(self) -> str:
        """The name's extension, lower case ("" when it has none)."""
        return Path(self.name).suffix.lower()

    @property
    def stem(self) -> str:
        return Path(self.name).stem

    def read_bytes(self, what: str = "file", hint: str = "check the path") -> bytes:
        """The whole content; a missing or unreadable path is an InputError naming ``what`` it should be."""
        return self.head(None, what, hint)

    def head(self, size: int | None, what: str = "file", hint: str = "check the path") -> bytes:
        """The first ``size`` bytes (None: all of them), read from disk or memory."""
        if self.data is not None:
            return self.data if size is None else self.data[:size]
        if self.path is None:
            raise InputError(f"{self.name}: has no file to read", hint="give a path, bytes or a binary file")
        try:
            if not self.path.exists():
                raise InputError(f"{self.name}: no such {what}", hint=hint)
            if self.path.is_dir():
                raise InputError(f"{self.name}: is a directory", hint=f"give the {what}s themselves")
            with self.path.open("rb") as handle:
                return handle.read() if size is None else handle.read(size)
        except OSError as exc:
            raise self.unreadable(exc) from exc

    def unreadable(self, exc: OSError) -> InputError:
        """The one-line error for a file that cannot be read."""
        return InputError(
            f"{self.name}: cannot be read ({exc.strerror or exc})", hint="check the path and permissions"
        )


SourceLike = Union[str, Path, bytes, bytearray, memoryview, IO[bytes], Source]  # noqa: UP007  # runtime alias
