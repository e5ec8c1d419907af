"""Encounters: the model, readers for each transcript format, and writers."""

from deescalate.encounter.model import Encounter, Event, Participant, Role, Utterance

__all__ = ["Encounter", "Event", "Participant", "Role", "Utterance"]
