"""Course platforms: Gradescope and PrairieLearn results, and the Gradescope
autograder bundle. Each submission is graded in its own container there, which
is how a course grades beyond one machine."""
