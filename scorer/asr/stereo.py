"""Stereo calls: one party per channel, so each channel's speech has a known role."""

from __future__ import annotations

from scorer.asr.results import ChannelTranscript
from scorer.asr.turns import Attributed
from scorer.conversation import Role
from scorer.errors import ConfigError


def attribute_channels(transcripts: list[ChannelTranscript],
                       channel_roles: tuple[Role, ...]) -> list[Attributed]:
    """Every kept segment with its channel's speaker name and role."""
    if len(transcripts) > len(channel_roles):
        raise ConfigError(f"the recording has {len(transcripts)} channels but roles are set for "
                          f"only {len(channel_roles)}", location="channel_roles")
    return [
        Attributed(segment, speaker=f"channel_{t.channel}", role=channel_roles[t.channel])
        for t in transcripts for segment in t.segments
    ]
