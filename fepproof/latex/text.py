"""Plain text into LaTeX: escape the special characters and spell out the Unicode that
statements and evidence use (Greek letters, relations), so pdflatex never sees a raw
character it has no glyph for."""

from __future__ import annotations

__all__ = ["escape", "UNICODE_MATH"]

_SPECIAL = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
    "%": r"\%", "_": r"\_", "^": r"\^{}", "~": r"\~{}", "<": r"\textless{}",
    ">": r"\textgreater{}", "|": r"\textbar{}",
}

UNICODE_MATH = {
    "α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "δ": r"\delta", "ε": r"\varepsilon",
    "ϵ": r"\epsilon", "ζ": r"\zeta", "η": r"\eta", "θ": r"\theta", "κ": r"\kappa",
    "λ": r"\lambda", "μ": r"\mu", "ν": r"\nu", "ξ": r"\xi", "π": r"\pi", "ρ": r"\rho",
    "σ": r"\sigma", "τ": r"\tau", "φ": r"\varphi", "ϕ": r"\phi", "χ": r"\chi", "ψ": r"\psi",
    "ω": r"\omega", "Δ": r"\Delta", "Σ": r"\Sigma", "Π": r"\Pi", "Φ": r"\Phi", "Λ": r"\Lambda",
    "Ω": r"\Omega", "≤": r"\le", "≥": r"\ge", "≠": r"\ne", "≈": r"\approx", "→": r"\to",
    "←": r"\leftarrow", "⇒": r"\Rightarrow", "⇔": r"\Leftrightarrow", "∞": r"\infty",
    "∑": r"\sum", "∏": r"\prod", "∈": r"\in", "∀": r"\forall", "∃": r"\exists",
    "·": r"\cdot", "×": r"\times", "−": "-", "±": r"\pm", "√": r"\surd", "∘": r"\circ",
    "⊆": r"\subseteq", "∧": r"\wedge", "∨": r"\vee", "¬": r"\neg", "′": "'", "∂": r"\partial",
    "ℓ": r"\ell", "≡": r"\equiv", "⌈": r"\lceil", "⌉": r"\rceil", "⌊": r"\lfloor",
    "⌋": r"\rfloor", "∅": r"\emptyset", "∣": "|", "‖": r"\|",
}
_SUPERSCRIPT = {"⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6",
                "⁷": "7", "⁸": "8", "⁹": "9", "⁻": "-", "⁺": "+"}
_SUBSCRIPT = {"₀": "0", "₁": "1", "₂": "2", "₃": "3", "₄": "4", "₅": "5", "₆": "6",
              "₇": "7", "₈": "8", "₉": "9", "ₗ": "l", "ₘ": "m", "ᵢ": "i", "ⱼ": "j"}
_TEXT = {"—": "---", "–": "--", "“": "``", "”": "''", "‘": "`", "’": "'", "…": r"\ldots{}",
         "é": r"\'e", "è": r"\`e", "ü": r"\"u", "ö": r"\"o", "\u00a0": "~"}


def escape(text: object) -> str:
    """``text`` as LaTeX text-mode source: specials escaped, known Unicode spelled out,
    any other non-ASCII character shown as its code point (never a compile error)."""
    out = []
    for ch in str(text):
        if ch in _SPECIAL:
            out.append(_SPECIAL[ch])
        elif ch in UNICODE_MATH:
            out.append(f"${UNICODE_MATH[ch]}$")
        elif ch in _SUPERSCRIPT:
            out.append(f"$^{{{_SUPERSCRIPT[ch]}}}$")
        elif ch in _SUBSCRIPT:
            out.append(f"$_{{{_SUBSCRIPT[ch]}}}$")
        elif ch in _TEXT:
            out.append(_TEXT[ch])
        elif ch == "\n":
            out.append("\n")
        elif ord(ch) < 32:
            out.append(" ")
        elif ord(ch) > 126:
            out.append(f"\\texttt{{[U+{ord(ch):04X}]}}")
        else:
            out.append(ch)
    return "".join(out)
