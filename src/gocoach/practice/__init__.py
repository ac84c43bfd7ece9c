"""Go exercises: the catalogue, submissions, and the sandboxed grader (grading/)."""
