"""Classifier heads over sentence embeddings, with calibrated probabilities."""

from models.heads.classifier import EmbeddingClassifier
from models.heads.features import FEATURE_SETS, ConversationPosition, PolitenessMarkers
from models.heads.inputs import TurnInput, as_turn_inputs, dialogue_input, text_pair

__all__ = ["FEATURE_SETS", "ConversationPosition", "EmbeddingClassifier", "PolitenessMarkers",
           "TurnInput", "as_turn_inputs", "dialogue_input", "text_pair"]
