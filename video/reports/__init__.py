"""The ethics committee's report: pure figures from plain rows, a printable page, a signed PDF."""
