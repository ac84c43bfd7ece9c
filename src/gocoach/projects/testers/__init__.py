"""One module per project: STAGES maps a stage number to its test function (checks.Tester)."""
