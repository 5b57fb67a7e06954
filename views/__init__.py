"""What a person reads: texts, keyboards and button data per feature, rendered for one reader
in that reader's language. Views never touch the database."""
