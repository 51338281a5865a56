"""Long-term care insurance system."""
