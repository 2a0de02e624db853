//! Streaming readers for cohort files in CSV and JSON Lines.
