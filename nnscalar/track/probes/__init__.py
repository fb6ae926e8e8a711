"""The build track's sandbox probes (a folder loaded the way a teacher's exercises are)."""
