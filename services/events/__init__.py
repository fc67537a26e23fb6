"""The LessonCompleted event path: its contract, publishers, and the local stream poller and bus."""
