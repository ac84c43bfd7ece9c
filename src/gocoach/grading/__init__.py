"""Go practice engine: exercises as data, a sandboxed grader, a grading queue."""
