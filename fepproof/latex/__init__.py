"""LaTeX documents generated from the checker's own objects.

- :mod:`.numfmt`          exact rationals for people: short fractions, exact or rounded
                           decimals (rounding stated in the document).
- :mod:`.text`            escaping plain text and Unicode for pdflatex.
- :mod:`.printer`         ``FepPrinter``: SymPy's LaTeX printer with ``_print_Fraction``,
                           ``_print_Verdict``, ... and numbers filled in for symbols.
- :mod:`.document`        ``Document``: blocks rendered standalone or as a fragment.
- :mod:`.network_doc`     Theorem 2/3 for one network (+ the z3 worst-case bracket).
- :mod:`.derivation_doc`  the Theorem 2 derivation and its obligation's verdict.
- :mod:`.proofs_doc`      every obligation of ``proofs/`` and the paper's errata.
- :mod:`.pdf`             compiling with latexmk / pdflatex.
"""

from .document import Document
from .numfmt import number, with_decimal
from .pdf import TexError, compile_pdf, tex_engine
from .printer import FepPrinter, to_latex

__all__ = ["Document", "FepPrinter", "TexError", "compile_pdf", "number", "tex_engine",
           "to_latex", "with_decimal"]
