"""Requests: tracking codes, statuses, the timeline, and the use cases on them."""
