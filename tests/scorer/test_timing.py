from scorer.conversation import Conversation
from scorer.timing import measure_timing


def _call(turns: list[tuple[str, float, float]]) -> Conversation:
    return Conversation.model_validate({"id": "c", "channel": "call", "turns": [
        {"role": role, "text": "...", "start": start, "end": end}
        for role, start, end in turns]})


def test_call_measures() -> None:
    timing = measure_timing(_call([
        ("agent", 2.0, 6.0), ("customer", 5.0, 10.0), ("agent", 14.0, 20.0),
        ("customer", 30.0, 31.0), ("agent", 31.5, 33.0)]))
    assert timing is not None
    assert timing.handle_time == 31.0
    assert timing.first_response == 0.0  # the agent opens the call
    assert [w.seconds for w in timing.waits] == [4.0, 0.5]
    assert timing.longest_wait is not None and timing.longest_wait.agent_turn == 2
    assert timing.longest_silence == 10.0 and timing.longest_silence_after_turn == 2
    assert timing.talk_over_count == 1 and timing.talk_over_seconds == 1.0
    assert timing.agent_talk_ratio == round(11.5 / 17.5, 3)


def test_chat_first_response_counts_from_the_customer() -> None:
    timing = measure_timing(_call([("customer", 0.0, 0.0), ("customer", 5.0, 5.0),
                                   ("agent", 65.0, 65.0)]))
    assert timing is not None and timing.first_response == 65.0


def test_untimed_conversation_has_no_measures() -> None:
    conversation = Conversation.model_validate({"id": "c", "turns": [
        {"role": "agent", "text": "hi"}]})
    assert measure_timing(conversation) is None
