"""The analytics subgraph: XP per student, language and period, and leaderboard snapshots."""
