"""The lessons subgraph: lessons, completions, and the outbox behind LessonCompleted."""
