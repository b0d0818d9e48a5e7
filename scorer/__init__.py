"""IQS core library: conversations in, criterion scores with evidence out."""

__version__ = "0.1.0"
