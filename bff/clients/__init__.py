"""The BFF's clients: who is asking (identity), what they may send (policy: open, apq,
safelist; trusted documents; automatic persisted queries) and what they see (contracts)."""
