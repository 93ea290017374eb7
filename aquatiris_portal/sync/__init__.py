"""Exchange with the internal system: inbound import of exports, outbound
outbox delivery, the dramatiq actors and the management commands."""
