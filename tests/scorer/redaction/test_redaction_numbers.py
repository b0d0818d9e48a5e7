"""Seeded numbers in all seven languages: cards written, grouped and spoken, national phone
formats, IBANs, national ids with a checksum, and numbers that must stay (dates, amounts,
quantities, a Luhn-invalid 16-digit number)."""

import pytest
from stdnum import iban

from scorer.redaction import Entity, Redactor
from scorer.redaction.packs import load_pack
from scorer.redaction.recognizers.iban import is_iban
from scorer.redaction.recognizers.national_id import FORMATS

CARD = "4532015112830366"  # a Visa test number (Luhn-valid)
REDACTOR = Redactor()


def found(text: str, language: str | None) -> list[tuple[str, str]]:
    return [(e.kind, e.text) for e in REDACTOR.find(text, language)]


# A card number spoken digit by digit, as ASR writes it, in each language.
SPOKEN_CARD = {
    "en": "four five three two zero one five one one two eight three oh three six six",
    "ru": "четыре пять три два ноль один пять один один два восемь три ноль три шесть шесть",
    "ar": "أربعة خمسة ثلاثة اثنان صفر واحد خمسة واحد واحد اثنان ثمانية ثلاثة صفر ثلاثة ستة "
          "ستة",
    "fa": "چهار پنج سه دو صفر یک پنج یک یک دو هشت سه صفر سه شش شش",
    "ms": "empat lima tiga dua kosong satu lima satu satu dua lapan tiga kosong tiga enam enam",
    "uz": "to'rt besh uch ikki nol bir besh bir bir ikki sakkiz uch nol uch olti olti",
    "mn": "дөрөв тав гурав хоёр тэг нэг тав нэг нэг хоёр найм гурав тэг гурав зургаа зургаа",
}
# "My card number is ..." around the number.
CARD_SENTENCE = {
    "en": "Sure, my card is {} and it expires soon.",
    "ru": "Да, моя карта {} и она скоро истекает.",
    "ar": "نعم، بطاقتي {} شكرا.",
    "fa": "بله، کارت من {} است.",
    "ms": "Ya, kad saya {} terima kasih.",
    "uz": "Ha, kartam {} rahmat.",
    "mn": "Тийм, миний карт {} байна.",
}
LANGUAGES = list(SPOKEN_CARD)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("written", [CARD, "4532 0151 1283 0366", "4532-0151-1283-0366",
                                     "٤٥٣٢ ٠١٥١ ١٢٨٣ ٠٣٦٦", "۴۵۳۲ ۰۱۵۱ ۱۲۸۳ ۰۳۶۶"])
def test_card_written_and_grouped(language: str, written: str) -> None:
    assert found(CARD_SENTENCE[language].format(written), language) == [("CARD", written)]


@pytest.mark.parametrize("language", LANGUAGES)
def test_card_spoken_digit_by_digit(language: str) -> None:
    spoken = SPOKEN_CARD[language]
    (entity,) = REDACTOR.find(CARD_SENTENCE[language].format(spoken), language)
    assert (entity.kind, entity.text, entity.recognizer) == ("CARD", spoken, "card_spoken")


def test_english_spoken_forms_double_and_mixed() -> None:
    text = "it's four five three two oh one five one one two eight three oh three double six"
    assert found(text, "en") == [("CARD", text[5:])]
    assert found("4532 0151 one two eight three 0366", "en")[0][0] == "CARD"


# A phone number of each language's country in its national format, and one spoken.
PHONES = {
    "en": ["call me on (201) 555-0123", "my mobile is 07400 123456"],
    "ru": ["мой телефон 8 (912) 345-67-89", "звоните +7 912 345 67 89"],
    "ar": ["رقمي 051 234 5678 شكرا", "رقم جوالي ٠٥١٢٣٤٥٦٧٨"],
    "fa": ["شماره من 0912 345 6789 است", "شماره من ۰۹۱۲۳۴۵۶۷۸۹ است"],
    "ms": ["nombor telefon saya 012-345 6789", "hubungi +60 12-345 6789"],
    "uz": ["telefonim 91 234 56 78", "raqamim +998 91 234 56 78"],
    "mn": ["миний утас 8812 3456", "утас +976 8812 3456"],
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_national_and_international_phone_formats(language: str) -> None:
    for text in PHONES[language]:
        kinds = found(text, language)
        assert [k for k, _ in kinds] == ["PHONE"], text
        assert text.endswith(kinds[0][1]) or kinds[0][1] in text


@pytest.mark.parametrize(("language", "text", "number"), [
    ("en", "my number is two oh one five five five oh one two three", "two oh one"),
    ("ru", "мой номер восемь девять один два три четыре пять шесть семь восемь девять",
     "восемь девять"),
    ("ms", "nombor saya kosong satu dua tiga empat lima enam tujuh lapan sembilan",
     "kosong satu"),
])
def test_spoken_phone_numbers(language: str, text: str, number: str) -> None:
    (entity,) = REDACTOR.find(text, language)
    assert entity.kind == "PHONE" and entity.text.startswith(number)
    assert text.endswith(entity.text)


def _iranian_iban() -> str:
    """A Sheba number (Iran is outside the SWIFT IBAN registry), check digits by ISO 7064."""
    bban = "0170000000100324200001"
    return "IR" + iban.calc_check_digits("IR00" + bban) + bban


IBANS = {"en": "GB82 WEST 1234 5698 7654 32", "ar": "SA0380000000608010167519",
         "fa": _iranian_iban(), "ru": "RU0204452560040702810412345678901",
         "ms": "DE89 3704 0044 0532 0130 00", "uz": "AE070331234567890123456",
         "mn": "DE89370400440532013000"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_iban(language: str) -> None:
    number = IBANS[language]
    assert is_iban(number.replace(" ", ""))
    assert found(f"IBAN: {number}.", language) == [("IBAN", number)]
    broken = number[:-1] + ("1" if number[-1] != "1" else "2")
    assert ("IBAN", broken) not in found(f"IBAN: {broken}.", language)


NATIONAL_IDS = [
    ("en", "My SSN is 536-22-1234.", "536-22-1234", "us_ssn"),
    ("ru", "ИНН 7707083893, спасибо", "7707083893", "ru_inn"),
    ("ru", "мой СНИЛС 112-233-445 95", "112-233-445 95", "ru_snils"),
    ("ar", "رقم الهوية 1123456780 شكرا", "1123456780", "sa_national_id"),
    ("ar", "الهوية الإماراتية 784-1990-1234567-6", "784-1990-1234567-6", "ae_emirates_id"),
    ("fa", "کد ملی من 0499370899 است", "0499370899", "ir_national_code"),
    ("fa", "کد ملی من ۰۴۹۹۳۷۰۸۹۹ است", "۰۴۹۹۳۷۰۸۹۹", "ir_national_code"),
    ("ms", "No kad pengenalan saya 770305-02-1234.", "770305-02-1234", "my_nric"),
    ("mn", "Регистрийн дугаар УБ90010112 байна", "УБ90010112", "mn_register"),
]


@pytest.mark.parametrize(("language", "text", "number", "recognizer"), NATIONAL_IDS)
def test_national_ids_with_a_checksum(language: str, text: str, number: str,
                                      recognizer: str) -> None:
    (entity,) = REDACTOR.find(text, language)
    assert (entity.kind, entity.text, entity.recognizer) == ("NATIONAL_ID", number, recognizer)


@pytest.mark.parametrize(("language", "text"), [
    ("fa", "کد ملی من 0499370898 است"),  # check digit off by one
    ("ar", "رقم الهوية 1123456781 شكرا"),
    ("ru", "ИНН 7707083894"),
])
def test_national_id_with_a_wrong_check_digit_is_not_one(language: str, text: str) -> None:
    assert all(e.kind != "NATIONAL_ID" for e in REDACTOR.find(text, language))


def test_every_pack_names_known_national_id_formats() -> None:
    for language in LANGUAGES:
        assert set(load_pack(language).national_ids) <= set(FORMATS) | {"mn_register"}


@pytest.mark.parametrize(("language", "text"), [
    ("en", "I ordered 2 items 3 days ago for $94 on 2019-11-06 at 10:30."),
    ("en", "The total was 1,250,000 dollars, or 49.90 EUR per month, since 2019."),
    ("en", "I need 3 of them by June 1st, order 2 more please."),
    ("en", "one moment please, I have two cards and one account"),
    ("ru", "Заказ на 1 250 000 рублей от 06.11.2019, доставка через 3 дня."),
    ("ar", "طلبت ٣ قطع بتاريخ ٢٠١٩-١١-٠٦"),
    ("fa", "سه روز پیش دو عدد سفارش دادم، ۱۴۰۲/۰۸/۱۵"),
    ("ms", "Saya pesan 2 barang pada 06/11/2019 dengan harga RM 1,250.00"),
    ("uz", "Men 3 kun oldin 2 ta buyurtma berdim, 2019-11-06"),
    ("mn", "Би 2 ширхэг захиалсан, 2019.11.06, 15000 төгрөг"),
])
def test_dates_amounts_and_quantities_stay(language: str, text: str) -> None:
    assert found(text, language) == []


def test_luhn_invalid_sixteen_digits_are_not_a_card() -> None:
    kinds = found("the number is 4532 0151 1283 0367", "en")
    assert ("CARD", "4532 0151 1283 0367") not in kinds
    # Still a long account-like number, so it is redacted as one.
    assert kinds == [("ACCOUNT", "4532 0151 1283 0367")]


def test_unknown_or_missing_language_keeps_the_language_neutral_recognisers() -> None:
    for language in (None, "de"):
        kinds = [e.kind for e in REDACTOR.find(
            f"Karte {CARD}, +49 30 901820, a@b.de, DE89370400440532013000", language)]
        assert kinds == ["CARD", "PHONE", "EMAIL", "IBAN"]


def test_entities_index_the_original_text() -> None:
    text = "Order ID: 3348917502, mail cminh730@email.com, tel (977) 625-2661"
    entities = REDACTOR.find(text, "en")
    assert all(isinstance(e, Entity) and text[e.start:e.end] == e.text for e in entities)
    assert [e.kind for e in entities] == ["ACCOUNT", "EMAIL", "PHONE"]
