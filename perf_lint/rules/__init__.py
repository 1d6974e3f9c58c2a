"""One module per rule; modules starting with ``_`` hold shared matchers."""
