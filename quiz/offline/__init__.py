"""线下培训: offline training sessions, their attendance and the rotating QR sign-in code."""
