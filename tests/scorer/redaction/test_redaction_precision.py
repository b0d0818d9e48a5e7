"""Precision rules for contact-centre text, each with a case it must take and one it must
leave (invented sentences): NER names that are not persons, agents' self-introductions and
personas, numbers in URLs and versions, ranges, repeated digits, things' numbers, service
numbers, agents' numbers, foreign mobile numbers, masked numbers, checksum collisions."""

import pytest

from scorer.conversation import Role
from scorer.redaction import Redactor

REDACTOR = Redactor()


def found(text: str, role: Role = Role.CUSTOMER, language: str = "en",
          **kw: list[str]) -> list[tuple[str, str]]:
    return [(e.kind, e.text) for e in REDACTOR.find(text, language, role=role, **kw)]


def names(text: str, role: Role = Role.CUSTOMER) -> list[str]:
    return [t for k, t in found(text, role) if k == "NAME"]


# --- names -------------------------------------------------------------------------------

def test_person_with_context_is_taken_single_brand_words_are_not() -> None:
    assert names("My husband Gerald has the card now.") == ["Gerald"]
    assert names("I spoke to Mrs. Halvorsen at the branch.") == ["Halvorsen"]
    assert names("I bought the Fabrikam last spring and it broke.") == []


def test_emoticons_laughter_and_acronyms_are_not_names() -> None:
    assert names("Please check it again [Hee hee]", Role.AGENT) == []
    assert names("My WLAN stopped after the update, Hee hee") == []
    assert names("The NTSC box shut down my VDSL again!") == []


def test_organisation_place_and_product_heads_end_no_name() -> None:
    assert names("Come to Riverside Building or Harbour Avenue.") == []
    assert names("I installed Lumina Input Method but it crashes.") == []
    # A full name with no such head stays in a customer turn.
    assert names("Peter Walsh will bring the documents.") == ["Peter Walsh"]


def test_agent_turns_take_addressed_customers_not_personas_or_signatures() -> None:
    assert names("Hello Mr. Okafor, we have checked your line.", Role.AGENT) == ["Okafor"]
    assert names("Thanks for waiting, Anna!", Role.AGENT) == ["Anna"]
    assert names("Little Bo has recorded your problem and passed it on.", Role.AGENT) == []
    assert names("Is the fee refunded now? (Customer Service Specialist Mirela)",
                 Role.AGENT) == []
    assert names("I am calling about your husband, Tom Hanks", Role.AGENT) == ["Tom Hanks"]


def test_agent_self_introductions_are_never_taken() -> None:
    for text in ["Good morning, this is Acme Bank, you are speaking with Tom.",
                 "Hi, you're speaking to Priya, how can I help?",
                 "Kind regards, Marta"]:
        assert names(text, Role.AGENT) == [], text
    # The same words in a customer turn are the customer's own introduction.
    assert names("Hi, this is Priya, my card was declined") == ["Priya"]


def test_call_me_asks_for_a_call_unless_a_capitalised_name_follows() -> None:
    assert names("Why did you call me several times yesterday?") == []
    assert names("Please call me Dana, everyone does.") == ["Dana"]
    assert names("It's Contoso number, not mine.") == []


def test_hyphenated_given_name_is_one_name() -> None:
    assert names("My name is Lin Wei-ming and my order is late.") == ["Lin Wei-ming"]


# --- numbers -----------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Log in at www.shop4711.com to see the bill.",
    "The app version is 3.12.0.48812 on my laptop.",
    "Version 1.4.2.265 crashes.",
    "It costs 300 - 450 each month.",
    "Haha 2444444 it works now.",
    "The vending machine No. 5520719 ate my coins.",
    "Machine number is 7730215 and it is empty.",
    "The serial number of my router is 9931005512.",
    "Coffee in machine 6612093 is sold out.",
    "I got a call from +1 00020 about my line.",
    "I have dialed 10086 three times today.",
])
def test_things_that_are_not_personal_numbers(text: str) -> None:
    assert found(text) == [], found(text)


@pytest.mark.parametrize(("text", "kind", "value"), [
    ("My member number is 55120839 please check.", "ACCOUNT", "55120839"),
    ("Please check 0042091183 for me.", "ACCOUNT", "0042091183"),
    ("my username is tigerlily77", "ACCOUNT", "tigerlily77"),
])
def test_personal_numbers_still_taken(text: str, kind: str, value: str) -> None:
    assert (kind, value) in found(text), found(text)


def test_handles_need_three_letters_and_not_capitals_only() -> None:
    assert found("We are at No.4412 on the main road.") == []
    assert found("Watch ZXTV315 tonight.") == []
    assert found("my old login was daisyfield1990") == [("ACCOUNT", "daisyfield1990")]


def test_service_numbers_are_the_organisations() -> None:
    # Toll-free and shared-cost numbers; a carrier short code said by a customer.
    assert found("The toll-free line 0800 123 4567 never answers") == []
    assert found("I called 4006123456 and waited an hour.") == []
    assert found("I put 118118 on my block list.") == []
    # An owner cue wins over number plans that overlap (an Indian 1800 toll-free reading of
    # a Chinese 180 mobile).
    assert found("My phone number is 18007654321.") == [("PHONE", "18007654321")]


def test_agents_numbers_without_an_owner_are_the_organisations() -> None:
    assert found("You can call our store, telephone number is 020 7946 0018.",
                 Role.AGENT) == []
    assert found("Please add QQ 5083120941 as a friend.", Role.AGENT) == []
    # The same number from a customer is taken.
    assert found("Please add QQ 5083120941 as a friend.") == [("PHONE", "5083120941")]
    # Tied to the customer: "your", "contacted via", or a mobile number.
    assert found("Is your number still 020 7946 0018?", Role.AGENT) == [
        ("PHONE", "020 7946 0018")]
    assert found("We will call back on 13912345678 tomorrow.", Role.AGENT) == [
        ("PHONE", "13912345678")]


def test_foreign_mobile_numbers_are_phones_in_any_language() -> None:
    assert found("You can reach me at 13912345678 after six.") == [("PHONE", "13912345678")]
    assert found("My colleague's number is 15987654321.") == [("PHONE", "15987654321")]
    # Eleven digits with no mobile prefix stay accounts.
    assert found("Please check 99120839551 for me.") == [("ACCOUNT", "99120839551")]


def test_masked_numbers_with_five_digits_shown() -> None:
    assert found("Can we reach you at 139****5521?", Role.AGENT) == [("PHONE", "139****5521")]
    assert found("Your card 4111********1111 was charged") == [("CARD", "4111********1111")]
    assert found("Your number 13****8 is fine") == []  # three digits shown


def test_checksum_match_inside_an_iban_or_international_phone_gives_way() -> None:
    # The 18 digits after "DE89" pass Luhn? whatever they do, the IBAN is what it is.
    assert [k for k, _ in found("IBAN DE89 3704 0044 0532 0130 00 please")] == ["IBAN"]
    kinds = [k for k, _ in found("با شماره +98 912 397 8181 تماس بگیرید", language="fa")]
    assert kinds == ["PHONE"]
