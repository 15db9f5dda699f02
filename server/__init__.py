"""bon-server: reward-guided best-of-N with an OpenAI-compatible API."""

__version__ = "0.1.0"
