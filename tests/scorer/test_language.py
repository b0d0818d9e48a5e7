import pytest

from scorer.conversation import Conversation
from scorer.language import detect_languages, identify

SENTENCES = {
    "en": "Thank you for calling, how can I help you with your account today?",
    "ru": "Здравствуйте, меня зовут Анна, чем я могу вам помочь сегодня?",
    "ar": "مرحباً بك، كيف يمكنني مساعدتك في حسابك اليوم؟",
    "fa": "سلام، وقت شما بخیر، چطور می‌توانم امروز به شما کمک کنم؟",
    "ms": "Selamat pagi, terima kasih kerana menghubungi kami, apa yang boleh saya bantu?",
    "uz": "Assalomu alaykum, qo'ng'iroq qilganingiz uchun rahmat, sizga qanday yordam beray?",
    "mn": "Сайн байна уу, манай компанид хандсанд баярлалаа, танд юугаар туслах вэ?",
}


@pytest.mark.parametrize("language", sorted(SENTENCES))
def test_identifies_each_supported_language(language: str) -> None:
    assert identify(SENTENCES[language])[0] == language


def test_short_turns_take_the_conversation_language_and_turns_keep_their_own() -> None:
    conversation = Conversation.model_validate({"id": "c", "turns": [
        {"role": "agent", "text": SENTENCES["ru"]},
        {"role": "customer", "text": "ok"},
        {"role": "agent", "text": SENTENCES["en"]},
    ]})
    detected = detect_languages(conversation)
    assert detected.language == "ru"
    assert [t.language for t in detected.turns] == ["ru", "ru", "en"]


def test_override_wins_and_unsupported_override_is_refused() -> None:
    conversation = Conversation.model_validate({"id": "c", "turns": [
        {"role": "agent", "text": SENTENCES["en"]}]})
    assert detect_languages(conversation, override="ms").language == "ms"
    with pytest.raises(ValueError, match="'de' is not supported"):
        detect_languages(conversation, override="de")
