"""A phone number as the plan writes it: digits kept, shown in house style, dialled by a tel: link."""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup


@dataclass(frozen=True)
class Phone:
    digits: str  # 11 digits for a NANP number with its leading 1, or a 3-digit N11 code such as 711

    @classmethod
    def parse(cls, text: str) -> Phone | None:
        """A number however it is written ("(844) 607-2829", "1-844-607-2829", "711"), or None if it cannot be dialled."""
        digits = re.sub(r"\D", "", text)
        if len(digits) == 10:
            digits = "1" + digits
        if (len(digits) == 11 and digits[0] == "1") or re.fullmatch(r"[2-9]11", digits):
            return cls(digits)
        return None

    @property
    def display(self) -> str:
        """House style: 1-844-607-2829, or the bare code for 711-style numbers."""
        d = self.digits
        return f"{d[0]}-{d[1:4]}-{d[4:7]}-{d[7:]}" if len(d) == 11 else d

    @property
    def href(self) -> str:
        return f"tel:+{self.digits}" if len(self.digits) == 11 else f"tel:{self.digits}"

    def link(self) -> Markup:
        return Markup('<a href="{}" class="tel">{}</a>').format(self.href, self.display)
