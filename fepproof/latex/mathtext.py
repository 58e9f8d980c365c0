"""Statements written in ASCII mathematics ("w_m^(l) (f_(l-1) C + (N - f) delta) <= eps
- eps'") as LaTeX: each formula-looking token becomes inline mathematics in the paper's
notation (w_m^{(l)}, N_{L+1}, K^{L-l}, \\lambda, \\le), everything else is escaped text.
Conservative: a token it does not recognise stays text, so the output always compiles."""

from __future__ import annotations

import re

from .text import escape

__all__ = ["math_text"]

_GREEK = {"lambda": r"\lambda", "delta": r"\delta", "Delta": r"\Delta", "phi": r"\varphi",
          "phi_K": r"\varphi_K", "sigma": r"\sigma", "alpha": r"\alpha", "beta": r"\beta",
          "eps": r"\varepsilon", "epsilon": r"\varepsilon", "oo": r"\infty"}
_REL = {"<=": r"\le", ">=": r"\ge", "->": r"\to", "!=": r"\ne", "=>": r"\Rightarrow"}
_PAREN = r"\((?:[^()]|\([^()]*\))*\)"
_HEAD = rf"(?:{'|'.join(sorted(_GREEK, key=len, reverse=True))}|[A-Za-z]{{1,2}})"
_SUB = rf"_(?:{_PAREN}|[A-Za-z0-9']+)"
_SUP = rf"\^(?:{_PAREN}|[A-Za-z0-9']+)"
# a short name with at most one subscript and one superscript; never part of a dotted or
# underscored Python name (max_dominated_fep, theorem3.monotone_in_failures stay text)
_TOKEN = re.compile(
    rf"(?P<rel><=|>=|->|!=|=>)"
    rf"|(?P<id>(?<![\w.]){_HEAD}(?:{_SUB}(?:{_SUP})?|{_SUP}(?:{_SUB})?)'?(?![\w^_]|\.\w))"
    rf"|(?P<greek>\b(?:{'|'.join(sorted(_GREEK, key=len, reverse=True))})\b'?)")


def _inner(text: str) -> str:
    """The contents of a sub/superscript: identifiers and operators as math."""
    out = []
    for part in re.split(r"(\s+|[-+*/=,()])", text):
        if not part or part.isspace():
            continue
        out.append(_token_math(part) if re.match(r"[A-Za-z]", part) else
                   {"*": r"\,"}.get(part, part))
    return " ".join(out)


def _token_math(tok: str) -> str:
    prime = "'" if tok.endswith("'") else ""
    tok = tok[:-1] if prime else tok
    if tok in _GREEK:
        return _GREEK[tok] + prime
    m = re.match(r"[A-Za-z]+", tok)
    if m is None:
        return escape(tok)
    head, rest = m.group(0), tok[m.end():]
    out = _GREEK.get(head, head if len(head) == 1 else rf"\mathrm{{{head}}}")
    wm = head == "w"
    while rest:
        kind, rest = rest[0], rest[1:]
        if rest.startswith("("):
            depth, i = 1, 1
            while i < len(rest) and depth:
                depth += {"(": 1, ")": -1}.get(rest[i], 0)
                i += 1
            body, rest = rest[1:i - 1], rest[i:]
            keep = kind == "^" and wm  # w_m^(l) keeps its parentheses, as in the paper
            inner = _inner(body)
            out += f"{kind}{{({inner})}}" if keep else f"{kind}{{{inner}}}"
        else:
            m2 = re.match(r"[A-Za-z0-9']+", rest)
            if m2 is None:
                return escape(tok + prime)
            piece, rest = m2.group(0), rest[m2.end():]
            out += f"{kind}{{{_GREEK.get(piece, piece)}}}"
    return out + prime


def math_text(text: str) -> str:
    """``text`` with its formula tokens typeset as inline mathematics."""
    out, pos = [], 0
    for m in _TOKEN.finditer(text):
        out.append(escape(text[pos:m.start()]))
        tok = m.group(0)
        out.append(f"${_REL[tok]}$" if m.group("rel") else f"${_token_math(tok)}$")
        pos = m.end()
    out.append(escape(text[pos:]))
    return "".join(out)
