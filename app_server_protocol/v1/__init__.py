"""The camelCase request/response API (the reference calls it v1)."""
