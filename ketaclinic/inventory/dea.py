"""The shape of a DEA registration number: two letters, six digits and a check digit.

The check digit: add digits 1, 3 and 5, add twice the sum of digits 2, 4 and 6; the last
digit of that total is digit 7. For example AB1234563: 1 + 3 + 5 = 9, 2 x (2 + 4 + 6) = 24,
9 + 24 = 33, so the check digit is 3. A well-formed number is not necessarily a registered
one: this catches typing errors, it does not verify a registration.
"""

from __future__ import annotations

import re

_SHAPE = re.compile(r"[A-Z]{2}[0-9]{7}")


def dea_check_digit(six_digits: str) -> int:
    """The seventh digit for the first six digits of a DEA number ("123456" -> 3)."""
    if len(six_digits) != 6 or not six_digits.isdigit():
        raise ValueError("a DEA number has six digits before its check digit")
    digits = [int(d) for d in six_digits]
    return (sum(digits[0::2]) + 2 * sum(digits[1::2])) % 10


def dea_number_normalised(number: str) -> str:
    return number.strip().upper()


def dea_number_problem(number: str, *, what: str, fix: str) -> str | None:
    """Why `number` is not a well-formed DEA number ("" when it is); `what` names it in the
    message ("Supplier DEA number"), `fix` says where to find the right one."""
    if not number:
        return f"{what} is missing. {fix}"
    if not _SHAPE.fullmatch(number):
        return (
            f"{what} {number!r} is not a DEA number: it is two letters then seven digits, for "
            f"example AB1234563. {fix}"
        )
    expected = dea_check_digit(number[2:8])
    if int(number[8]) != expected:
        return (
            f"{what} {number} fails the DEA check digit (the last digit would be {expected}): "
            f"a digit is mistyped. {fix}"
        )
    return None
