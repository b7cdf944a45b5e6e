"""Network sources of papers (arXiv); parsing stays in paperfeed.ingest."""
