"""Telling people: a view sent to many recipients, each in their own language and channel,
written as outbox rows in the caller's transaction."""
