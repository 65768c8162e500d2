"""Infrastructure: database URLs, eventsourcing's wiring (recorders, snapshots,
transcodings, PostgreSQL setup) and the bounded LRU behind the in-process caches."""
