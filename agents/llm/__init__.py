"""The LLM layer: one interface (base.LLMEngine), an Ollama engine and an offline engine."""

from agents.llm.base import EngineCancelled, EngineError, LLMEngine, Written
from agents.llm.offline import OfflineEngine
from agents.llm.ollama_engine import OllamaEngine
from agents.llm.select import select_engine

__all__ = ["EngineCancelled", "EngineError", "LLMEngine", "OfflineEngine", "OllamaEngine",
           "Written", "select_engine"]
