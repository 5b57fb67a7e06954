"""What every layer shares: settings from the environment and the one clock."""
