"""Conversations: their lifecycle (manager), their rollout files (recorder,
reader, listing, archive) and the events they send to listeners."""
