"""Delivery: every announcement, reminder and alert goes out exactly once (see `engine`)."""
