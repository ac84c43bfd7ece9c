"""Mock interviews: sessions, question selection, scorecards, and answer checking."""
