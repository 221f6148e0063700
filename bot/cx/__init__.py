"""Customer experience: surveys, ratings, follow-ups, the summary leads read."""
