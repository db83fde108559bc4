# Storage layer (shared/storage): every test runs on SQLite and on a private PostgreSQL 15
# (tests/support/pgserver.h). pomelo_domain is listed too: objects of an OBJECT library reach only
# targets linking it directly.
pomelo_test(test_database pomelo_storage pomelo_domain)
pomelo_test(test_migrations pomelo_storage pomelo_domain)
pomelo_test(test_secretbox pomelo_storage pomelo_domain)
pomelo_test(test_venuerepository pomelo_storage pomelo_domain)
pomelo_test(test_userrepository pomelo_storage pomelo_domain)
pomelo_test(test_bookingrepository pomelo_storage pomelo_domain)
pomelo_test(test_apprepository pomelo_storage pomelo_domain)
pomelo_test(test_orderrepository pomelo_storage pomelo_domain)
pomelo_test(test_outboxrepository pomelo_storage pomelo_domain)
pomelo_test(test_callbackrepository pomelo_storage pomelo_domain)
pomelo_test(test_notificationrepository pomelo_storage pomelo_domain)
pomelo_test(test_refundrepository pomelo_storage pomelo_domain)
pomelo_test(test_staffuserrepository pomelo_storage pomelo_domain)
pomelo_test(test_auditrepository pomelo_storage pomelo_domain)
pomelo_test(test_demodata pomelo_storage pomelo_domain)
pomelo_test(test_pagination pomelo_storage pomelo_domain)
