"""What runs beside student code: the zygote, the worker it forks for each job, and the
probes the worker runs. Nothing here may import the lesson, the judge or the solutions:
a child inherits this process's memory."""
