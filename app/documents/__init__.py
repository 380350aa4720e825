"""Document infrastructure that knows no domain: content-addressed storage (and, later,
rendering, merging and signing)."""
