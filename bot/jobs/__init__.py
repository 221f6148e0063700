"""Timed jobs: the scheduler that runs each period once, and the jobs themselves."""
