"""SYNTHETIC seeded sentences for the redaction evaluation, in IQS's seven languages.

Every sentence is generated here (fixed seed, no corpus text): one item per sentence, with the
item's span and kind. Positives: a Luhn-valid test card number (digits, groups of four, spoken
as digit words of the language; for Arabic and Persian also in their own digits), a phone
number of the language's country in national and international format (each checked valid with
`phonenumbers`), an e-mail address, an IBAN with valid check digits (compact and in groups).
Negatives that must stay: a date, an amount, a quantity, a time, and a Luhn-invalid 16-digit
router serial number.

    python benchmarks/redaction_seeded.py            # writes data/redaction/seeded.jsonl
"""

from __future__ import annotations

import json
import random
import string
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

SEED = 20261201
PER_FORM = 4
LANGUAGES = ("en", "ar", "fa", "ms", "uz", "mn", "ru")
SEEDED = Path(__file__).resolve().parent / "data" / "redaction" / "seeded.jsonl"

DIGIT_WORDS = {
    "en": "zero one two three four five six seven eight nine",
    "ar": "صفر واحد اثنان ثلاثة أربعة خمسة ستة سبعة ثمانية تسعة",
    "fa": "صفر یک دو سه چهار پنج شش هفت هشت نه",
    "ms": "kosong satu dua tiga empat lima enam tujuh lapan sembilan",
    "uz": "nol bir ikki uch to'rt besh olti yetti sakkiz to'qqiz",
    "mn": "тэг нэг хоёр гурав дөрөв тав зургаа долоо найм ес",
    "ru": "ноль один два три четыре пять шесть семь восемь девять",
}
NATIVE_DIGITS = {"ar": "٠١٢٣٤٥٦٧٨٩", "fa": "۰۱۲۳۴۵۶۷۸۹"}
REGIONS = {"en": ("US",), "ar": ("SA", "EG"), "fa": ("IR",), "ms": ("MY",), "uz": ("UZ",),
           "mn": ("MN",), "ru": ("RU",)}
# IBAN country per language, with its BBAN shape (n digits, a capital letters, c either).
# Malaysia and Uzbekistan have no IBAN: a German and a Kazakh account stand in.
IBAN_COUNTRY = {"en": ("GB", "4a14n"), "ar": ("SA", "2n18n"), "fa": ("IR", "22n"),
                "ms": ("DE", "18n"), "uz": ("KZ", "3n13c"), "mn": ("MN", "16n"),
                "ru": ("RU", "14n15c")}
MAIL_USERS = {"en": "john.miller", "ar": "ahmed.alharbi", "fa": "fatemeh.ahmadi",
              "ms": "nurul.aisyah", "uz": "aziz.karimov", "mn": "bat.erdene",
              "ru": "ivan.petrov"}
MAIL_HOSTS = {"en": "gmail.com", "ar": "hotmail.com", "fa": "yahoo.com", "ms": "yahoo.com.my",
              "uz": "mail.uz", "mn": "gmail.com", "ru": "yandex.ru"}
CURRENCY = {"en": "${:,}.99", "ar": "{} ريال", "fa": "{:,} تومان", "ms": "RM{:,}.50",
            "uz": "{} so'm", "mn": "{} төгрөг", "ru": "{} руб."}

# One sentence frame per kind of item and language; "{}" is where the item goes.
FRAMES: dict[str, dict[str, str]] = {
    "en": {"card": "My card number is {}, please check it.",
           "phone": "You can reach me on {} after lunch.",
           "email": "Send the receipt to {} please.",
           "iban": "Please refund the money to my IBAN {}.",
           "date": "I placed the order on {}.", "amount": "You charged me {} twice.",
           "quantity": "We ordered {} units last year.", "time": "The courier comes at {}.",
           "serial": "The serial number of the router is {}."},
    "ar": {"card": "رقم بطاقتي هو {}، أرجو التحقق منه.",
           "phone": "يمكنك الاتصال بي على الرقم {}.",
           "email": "بريدي الإلكتروني هو {}.",
           "iban": "أرجو إعادة المبلغ إلى رقم الآيبان {}.",
           "date": "طلبت المنتج بتاريخ {}.", "amount": "تم خصم {} من حسابي.",
           "quantity": "طلبنا {} قطعة في العام الماضي.", "time": "سيصل المندوب الساعة {}.",
           "serial": "الرقم التسلسلي للجهاز هو {}."},
    "fa": {"card": "شماره کارت من {} است، لطفاً بررسی کنید.",
           "phone": "با شماره {} با من تماس بگیرید.",
           "email": "ایمیل من {} است.",
           "iban": "لطفاً مبلغ را به شماره شبا {} برگردانید.",
           "date": "سفارش را در تاریخ {} ثبت کردم.", "amount": "مبلغ {} از حسابم کم شد.",
           "quantity": "پارسال {} عدد سفارش دادیم.", "time": "پیک ساعت {} می‌رسد.",
           "serial": "شماره سریال مودم {} است."},
    "ms": {"card": "Nombor kad saya ialah {}, sila semak.",
           "phone": "Sila hubungi saya di nombor {}.",
           "email": "E-mel saya ialah {}.",
           "iban": "Sila pulangkan wang ke IBAN saya {}.",
           "date": "Saya membuat pesanan pada {}.", "amount": "Saya dicaj sebanyak {}.",
           "quantity": "Kami memesan {} unit tahun lepas.",
           "time": "Penghantar akan tiba pada pukul {}.",
           "serial": "Nombor siri penghala ialah {}."},
    "uz": {"card": "Mening karta raqamim {}, iltimos tekshiring.",
           "phone": "Menga {} raqamiga qo'ng'iroq qiling.",
           "email": "Mening elektron pochtam {}.",
           "iban": "Pulni {} IBAN hisobimga qaytaring.",
           "date": "Buyurtmani {} kuni berdim.", "amount": "Hisobimdan {} yechildi.",
           "quantity": "O'tgan yili {} dona buyurtma qildik.",
           "time": "Kuryer soat {} da keladi.", "serial": "Routerning seriya raqami {}."},
    "mn": {"card": "Миний картын дугаар {}, шалгана уу.",
           "phone": "Над руу {} дугаараар залгаарай.",
           "email": "Миний и-мэйл хаяг {}.",
           "iban": "Мөнгийг миний {} IBAN дансанд буцааж өгнө үү.",
           "date": "Би {}-нд захиалга өгсөн.", "amount": "Миний данснаас {} хасагдсан.",
           "quantity": "Бид өнгөрсөн жил {} ширхэг захиалсан.",
           "time": "Хүргэгч {} цагт ирнэ.", "serial": "Чиглүүлэгчийн серийн дугаар {}."},
    "ru": {"card": "Номер моей карты {}, проверьте, пожалуйста.",
           "phone": "Перезвоните мне по номеру {}.",
           "email": "Моя почта {}.",
           "iban": "Верните деньги на мой IBAN {}.",
           "date": "Заказ оформлен {}.", "amount": "С меня списали {} за доставку.",
           "quantity": "В прошлом году мы заказали {} штук.",
           "time": "Курьер приедет в {}.", "serial": "Серийный номер роутера {}."},
}
# (form, kind or None for a negative, frame)
FORMS: tuple[tuple[str, str | None, str], ...] = (
    ("card digits", "CARD", "card"), ("card groups", "CARD", "card"),
    ("card words", "CARD", "card"), ("card native digits", "CARD", "card"),
    ("phone national", "PHONE", "phone"), ("phone international", "PHONE", "phone"),
    ("phone native digits", "PHONE", "phone"),
    ("email", "EMAIL", "email"), ("iban compact", "IBAN", "iban"),
    ("iban groups", "IBAN", "iban"),
    ("date", None, "date"), ("amount", None, "amount"), ("quantity", None, "quantity"),
    ("time", None, "time"), ("luhn-invalid 16 digits", None, "serial"),
)


@dataclass(frozen=True)
class Seeded:
    language: str
    form: str
    kind: str | None  # None: a negative, must stay
    text: str
    start: int
    end: int
    synthetic: bool = True


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def card_number(rng: random.Random) -> str:
    """A 16-digit number with a test-card prefix (Visa 4, Mastercard 51-55) and Luhn check."""
    body = rng.choice(["4", "51", "52", "53", "54", "55"])
    body += "".join(rng.choice(string.digits) for _ in range(15 - len(body)))
    check = next(c for c in string.digits if luhn_valid(body + c))
    return body + check


def luhn_invalid(rng: random.Random) -> str:
    number = card_number(rng)
    return number[:-1] + str((int(number[-1]) + rng.randint(1, 9)) % 10)


def phone_number(rng: random.Random, region: str) -> phonenumbers.PhoneNumber:
    """A valid number of `region`: its example mobile number with the last 6 digits drawn."""
    example = phonenumbers.example_number_for_type(region, PhoneNumberType.MOBILE)
    if example is None:
        raise RuntimeError(f"phonenumbers has no example number for {region}")
    base = str(example.national_number)
    for _ in range(1000):
        digits = base[:-6] + "".join(rng.choice(string.digits) for _ in range(6))
        number = phonenumbers.parse("+" + str(example.country_code) + digits)
        if phonenumbers.is_valid_number(number):
            return number
    raise RuntimeError(f"no valid number drawn for {region}")


def iban_number(rng: random.Random, country: str, shape: str) -> str:
    bban = ""
    count = ""
    for ch in shape:
        if ch.isdigit():
            count += ch
            continue
        pool = {"n": string.digits, "a": string.ascii_uppercase,
                "c": string.digits + string.ascii_uppercase}[ch]
        bban += "".join(rng.choice(pool) for _ in range(int(count)))
        count = ""
    numeric = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{country}{98 - int(numeric) % 97:02d}{bban}"


def iban_valid(iban: str) -> bool:
    """The ISO 13616 mod-97 check (stdnum's registry lacks some countries, e.g. IR)."""
    moved = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def _groups(text: str, size: int = 4) -> str:
    return " ".join(text[i:i + size] for i in range(0, len(text), size))


def _native(text: str, language: str) -> str:
    return text.translate(str.maketrans(string.digits, NATIVE_DIGITS[language]))


def _item(form: str, language: str, rng: random.Random, n: int) -> str:
    region = REGIONS[language][n % len(REGIONS[language])]
    if form.startswith("card"):
        number = card_number(rng)
        words = DIGIT_WORDS[language].split()
        return {"card digits": number, "card groups": _groups(number),
                "card words": " ".join(words[int(d)] for d in number),
                "card native digits": _native(_groups(number), language)
                if language in NATIVE_DIGITS else number}[form]
    if form.startswith("phone"):
        phone = phone_number(rng, region)
        national = phonenumbers.format_number(phone, PhoneNumberFormat.NATIONAL)
        if form == "phone international":
            return phonenumbers.format_number(phone, PhoneNumberFormat.INTERNATIONAL)
        return _native(national, language) if form.endswith("native digits") else national
    if form == "email":
        return f"{MAIL_USERS[language]}{rng.randint(10, 99)}@{MAIL_HOSTS[language]}"
    if form.startswith("iban"):
        iban = iban_number(rng, *IBAN_COUNTRY[language])
        return iban if form == "iban compact" else _groups(iban)
    if form == "date":
        day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(2019, 2026)
        if language == "fa":
            return f"{year - 621}/{month:02d}/{day:02d}"
        if language == "mn":
            return f"{year}.{month:02d}.{day:02d}"
        return f"{day:02d}.{month:02d}.{year}" if language in ("ru", "uz") \
            else f"{day:02d}/{month:02d}/{year}"
    if form == "amount":
        value = rng.randint(1_000, 2_000_000) if language in ("fa", "uz", "mn") \
            else rng.randint(100, 9_999)
        return CURRENCY[language].format(value)
    if form == "quantity":
        return str(rng.randint(10_000, 99_999))
    if form == "time":
        return f"{rng.randint(8, 20)}:{rng.choice(['00', '15', '30', '45'])}"
    return _groups(luhn_invalid(rng)) if n % 2 else luhn_invalid(rng)


def generate() -> list[Seeded]:
    """Every seeded sentence, in a fixed order (same seed, same sentences)."""
    rng = random.Random(SEED)
    out = []
    for language in LANGUAGES:
        for form, kind, frame_key in FORMS:
            if "native" in form and language not in NATIVE_DIGITS:
                continue
            for n in range(PER_FORM):
                item = _item(form, language, rng, n)
                before, after = FRAMES[language][frame_key].split("{}")
                out.append(Seeded(language, form, kind, before + item + after, len(before),
                                  len(before) + len(item)))
    return out


def check(items: list[Seeded]) -> list[str]:
    """Problems with the generated items (none expected): invalid checksums or numbers."""
    problems = []
    for s in items:
        item = s.text[s.start:s.end]
        if s.form in ("card digits", "card groups") and not luhn_valid(item.replace(" ", "")):
            problems.append(f"{s.language} {s.form}: {item} fails Luhn")
        if s.form == "luhn-invalid 16 digits" and luhn_valid(item.replace(" ", "")):
            problems.append(f"{s.language}: {item} passes Luhn")
        if s.form in ("phone national", "phone international"):
            regions = REGIONS[s.language]
            if not any(phonenumbers.is_valid_number(phonenumbers.parse(item, r))
                       for r in regions):
                problems.append(f"{s.language}: {item} not a valid phone number")
        if s.form.startswith("iban") and not iban_valid(item.replace(" ", "")):
            problems.append(f"{s.language}: {item} fails the IBAN check")
    return problems


def write(path: Path = SEEDED) -> int:
    items = generate()
    problems = check(items)
    if problems:
        raise SystemExit("\n".join(problems))
    with path.open("w", encoding="utf-8") as out:
        for item in items:
            out.write(json.dumps(asdict(item), ensure_ascii=False) + "\n")
    return len(items)


def load(path: Path = SEEDED) -> list[Seeded]:
    return [Seeded(**json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


if __name__ == "__main__":
    count = write(Path(sys.argv[1]) if len(sys.argv) > 1 else SEEDED)
    print(f"{count} synthetic sentences written")
