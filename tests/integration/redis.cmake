# Redis layer (shared/redis), against a real redis-server started by tests/support/redisserver.h.
# pomelo_domain and pomelo_telemetry are listed too: the objects of an OBJECT library reach only
# the targets that link it directly.
pomelo_test(test_redisclient pomelo_redis pomelo_domain pomelo_telemetry)
pomelo_test(test_redislock pomelo_redis pomelo_domain pomelo_telemetry)
pomelo_test(test_redisstream pomelo_redis pomelo_domain pomelo_telemetry)
pomelo_test(test_delayedqueue pomelo_redis pomelo_domain pomelo_telemetry)
pomelo_test(test_replayguard pomelo_redis pomelo_domain pomelo_telemetry)
pomelo_test(test_embeddedredis pomelo_redis pomelo_domain pomelo_telemetry)
pomelo_test(test_workerlease pomelo_redis pomelo_domain pomelo_telemetry)
