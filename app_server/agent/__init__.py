"""The agent: prompts, tools and the turn loop that drives the model."""
