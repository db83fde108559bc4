# Workers (server/workers): outbox relay, merchant notifier and the stream consumer groups, against
# a real redis-server and both databases (SQLite, PostgreSQL).
pomelo_test(test_outboxrelay pomelo_workers)
# The booking app's pay-notify handler is the receiving merchant.
pomelo_test(test_merchantnotifier pomelo_workers pomelo_booking)
pomelo_test(test_subscribers pomelo_workers)
# The gauges of the alert rules (resources/monitoring) read from Redis and the database.
pomelo_test(test_metricscollector pomelo_workers)
