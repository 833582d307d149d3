"""The host side of the isolation: start the zygote (spawn), talk to it (wire), and turn
what comes back into one outcome per call (host). Everything that runs beside student
code is in child/, which imports nothing from the judging side."""
