"""Ranking: candidate retrieval, scoring and fusion of ranked lists."""
