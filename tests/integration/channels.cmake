# Payment channels (server/channels) against their simulators (server/sandbox), in process.
pomelo_test(test_ecardchannel pomelo_channels pomelo_sandbox)
pomelo_test(test_wechatchannel pomelo_channels pomelo_sandbox)
