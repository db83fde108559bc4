# Workers (server/workers): outbox relay, merchant notifier and the stream consumer groups, against
# a real redis-server and both databases (SQLite, PostgreSQL).
pomelo_test(test_outboxrelay pomelo_workers)
# The booking app's pay-notify handler is the receiving merchant; its two sources are compiled in
# rather than linking all of pomelo_booking.
pomelo_test(test_merchantnotifier pomelo_workers)
if(TARGET test_merchantnotifier)
    target_sources(test_merchantnotifier PRIVATE
        ${PROJECT_SOURCE_DIR}/server/booking/paynotify.cpp
        ${PROJECT_SOURCE_DIR}/server/booking/authservice.cpp)
endif()
pomelo_test(test_subscribers pomelo_workers)
