# Payment channels (server/channels) against their simulators (server/sandbox), in process.
pomelo_test(test_ecardchannel pomelo_channels pomelo_sandbox pomelo_net)
pomelo_test(test_wechatchannel pomelo_channels pomelo_sandbox)
# The campus utility system's client against its simulator, in process.
pomelo_test(test_utilitychannel pomelo_channels pomelo_sandbox pomelo_net)
# The pay platform's service in process, against the e-card sandbox, Redis and both databases.
pomelo_test(test_payservice pomelo_pay pomelo_sandbox pomelo_net)
# The sandboxes' state store (SQLite, one row per change) and notification scheduler.
pomelo_test(test_sandboxstore pomelo_sandbox Qt6::Sql)
