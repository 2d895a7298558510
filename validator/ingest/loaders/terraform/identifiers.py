"""Unicode identifiers as HCL reads them (its specification: UAX #31 ``ID_Start`` / ``ID_Continue``, plus
``-``), from the character categories of the Unicode data Python carries.

``ID_Start``: letters (Lu, Ll, Lt, Lm, Lo), letter numbers (Nl) and the Other_ID_Start characters;
``ID_Continue`` adds non-spacing and spacing marks (Mn, Mc), decimal digits (Nd), connector punctuation
(Pc) and the Other_ID_Continue characters. HashiCorp's scanner is generated from Unicode 9.0; a letter
assigned by a later Unicode version is a letter here and an invalid character there.
Only identifiers with non-ASCII characters come here (the lexer reads ASCII ones itself).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

_START = {"Lu", "Ll", "Lt", "Lm", "Lo", "Nl"}
_CONTINUE = _START | {"Mn", "Mc", "Nd", "Pc"}
_OTHER_START = {"\u1885", "\u1886", "\u2118", "\u212e", "\u309b", "\u309c"}
_OTHER_CONTINUE = {"\u00b7", "\u0387", "\u19da", *(chr(c) for c in range(0x1369, 0x1372))}
_PATTERN_SYNTAX = {"\u2e2f"}  # the one Lm character that UAX #31 excludes from identifiers


@lru_cache(maxsize=4096)
def id_start(char: str) -> bool:
    if char in _PATTERN_SYNTAX:
        return False
    return unicodedata.category(char) in _START or char in _OTHER_START


@lru_cache(maxsize=4096)
def id_continue(char: str) -> bool:
    if char in _PATTERN_SYNTAX:
        return False
    return unicodedata.category(char) in _CONTINUE or char in _OTHER_START or char in _OTHER_CONTINUE
