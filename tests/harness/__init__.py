"""Test harness: drive the daemon as a real process (`stdio`) or in-process (`inprocess`)."""
