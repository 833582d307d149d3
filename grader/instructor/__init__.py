"""The instructor's tools (batch, the nbgrader course and gradebook, the student package,
the stubs): a student's copy of the kit leaves this folder out."""
