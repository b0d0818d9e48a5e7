"""Channel → role attribution of stereo calls."""

from __future__ import annotations

import pytest

from scorer.asr.results import ChannelTranscript, RecognizedSegment
from scorer.asr.stereo import attribute_channels
from scorer.conversation import Role
from scorer.errors import ConfigError


def _transcripts(count: int) -> list[ChannelTranscript]:
    return [ChannelTranscript(c, "en", [RecognizedSegment(c, c + 1.0, f"line {c}", (), -0.2,
                                                           0.0)])
            for c in range(count)]


def test_each_channel_gets_its_configured_role() -> None:
    attributed = attribute_channels(_transcripts(2), (Role.CUSTOMER, Role.AGENT))
    assert [(a.speaker, a.role) for a in attributed] == [("channel_0", Role.CUSTOMER),
                                                         ("channel_1", Role.AGENT)]


def test_more_channels_than_roles_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="3 channels"):
        attribute_channels(_transcripts(3), (Role.AGENT, Role.CUSTOMER))
