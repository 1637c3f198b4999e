"""Name normalisation and matching."""
