"""Getting messages out: the outbox writers, the dispatcher, and the pace platforms allow."""
