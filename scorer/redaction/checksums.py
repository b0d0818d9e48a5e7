"""National-id validators that python-stdnum lacks (v2.2), each with where its rule is stated.

Uzbekistan's PINFL (14 digits) is left out: its check-digit rule is not published in a source
we could cite, and 14 digits without a check would only repeat the account recogniser.
"""

from __future__ import annotations

from stdnum import luhn


def iran_national_code(digits: str) -> bool:
    """Iran's national code (کد ملی), 10 digits: with s = sum(d[i] * (10 - i), i = 0..8) mod
    11, the last digit is s when s < 2, else 11 - s. The rule as given in Persian Wikipedia
    ("کارت ملی", کد ملی) and in the open-source Persian validators (persian-tools'
    national-id check); one repeated digit (0000000000) is refused as they do."""
    if len(digits) != 10 or not digits.isdigit() or len(set(digits)) == 1:
        return False
    remainder = sum(int(d) * (10 - i) for i, d in enumerate(digits[:9])) % 11
    check = remainder if remainder < 2 else 11 - remainder
    return int(digits[9]) == check


def saudi_national_id(digits: str) -> bool:
    """Saudi national id / iqama, 10 digits: first 1 (citizen) or 2 (resident), and the
    Luhn check over all ten. No official specification is public; this is the rule the
    widely used open-source validators implement (odd positions doubled, digits summed,
    total divisible by 10), so treat it as best known, not authoritative."""
    return len(digits) == 10 and digits[0] in "12" and luhn.is_valid(digits)


def emirates_id(digits: str) -> bool:
    """UAE Emirates ID, 784-YYYY-NNNNNNN-C: 15 digits starting with the country code 784
    (ISO 3166 numeric), the birth year, a serial, and a Luhn check digit over all 15. The
    layout is printed on the card (ICP, Federal Authority for Identity and Citizenship); the
    Luhn check is the one open-source validators use, not an official publication."""
    return (len(digits) == 15 and digits.startswith("784") and 1900 <= int(digits[3:7]) <= 2100
            and luhn.is_valid(digits))


def russian_snils(digits: str) -> bool:
    """Russian SNILS (СНИЛС), 11 digits: the first nine weighted 9..1 and summed; the check
    number (last two digits) is the sum if below 100, 0 for 100 and 101, else the sum mod 101
    (and 0 again if that is 100). Rule as given in Russian Wikipedia, "Страховой номер
    индивидуального лицевого счёта" (контрольное число); checked only above 001-001-998."""
    if len(digits) != 11 or not digits.isdigit() or int(digits[:9]) <= 1001998:
        return False
    total = sum(int(d) * (9 - i) for i, d in enumerate(digits[:9]))
    if total > 101:
        total %= 101
    check = 0 if total in (100, 101) else total
    return int(digits[9:]) == check
