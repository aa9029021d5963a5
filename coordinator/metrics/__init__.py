"""Prometheus metrics: the process's instruments, their multiprocess files, the scrape."""
