"""Outbox delivery: signed HTTP POST to the internal system's receiver."""


def deliver(event_id):
    # Implemented by the sync issue (#3).
    return None
