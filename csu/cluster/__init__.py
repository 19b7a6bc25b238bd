"""What makes several csu processes one system: NATS key-value leases, the node registry and
the tickets an API node hands a browser for a camera worker.

Nothing here is home-made distribution: ownership is a compare-and-set on a JetStream key's
revision, expiry is the bucket's TTL, and the servers' own replication keeps them.
"""
