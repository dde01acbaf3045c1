"""One router per area of the two API documents."""
