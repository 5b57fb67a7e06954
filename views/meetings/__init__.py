"""What people read about meetings: button data, texts and keyboards, for one reader at a time."""
