"""Match: find rule evidence in a row's cells (terms, concepts, names) and candidates on watchlists."""
