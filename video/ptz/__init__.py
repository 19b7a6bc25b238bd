"""Pan-tilt-zoom control: who holds a camera (arbitration) and the commands sent to it."""
