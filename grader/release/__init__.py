"""Building what leaves the instructor's machine: wheels of this package, the
student release (``lstm-grader release``) and, through grader.platforms.bundle,
the Gradescope autograder zip."""
