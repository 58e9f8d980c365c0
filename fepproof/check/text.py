"""Text from a spec or a cache entry, made safe to show: control characters (ESC, NUL,
bidirectional overrides, line separators) are written as visible escapes such as
``\\x1b``, so a claim name cannot drive the terminal, fake a table row, or make the JUnit
file unparseable (XML 1.0 forbids most control characters even as character references).
"""

from __future__ import annotations

import unicodedata

__all__ = ["printable", "xml_text"]

_UNSAFE = ("Cc", "Cf", "Cs", "Zl", "Zp")


def _escape(ch: str) -> str:
    o = ord(ch)
    if o < 0x100:
        return f"\\x{o:02x}"
    if o < 0x10000:
        return f"\\u{o:04x}"
    return f"\\U{o:08x}"


def _unsafe(ch: str, keep: str) -> bool:
    if ch in keep:
        return False
    o = ord(ch)
    return (unicodedata.category(ch) in _UNSAFE or 0xFDD0 <= o <= 0xFDEF
            or (o & 0xFFFE) == 0xFFFE)


def printable(text: object, keep: str = "") -> str:
    """``str(text)`` with every control, format, surrogate or separator character (except
    those in ``keep``, e.g. ``"\\n"``) replaced by a visible escape like ``\\x1b``."""
    s = str(text)
    if s.isprintable():  # no control, format, surrogate or separator character
        return s
    return "".join(_escape(c) if _unsafe(c, keep) else c for c in s)


def xml_text(text: object) -> str:
    """Text for an XML 1.0 document: newlines and tabs kept, every other character that
    XML forbids or a terminal would interpret written as a visible escape."""
    return printable(text, keep="\n\t")
