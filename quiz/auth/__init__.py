"""Sign in, sign out and self-registration."""
