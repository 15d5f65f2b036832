"""The tools the model may call during a turn, behind one registry."""
