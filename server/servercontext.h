#pragma once

#include "config/config.h"

#include <QTimeZone>

namespace pomelo {

class Database;
class RedisKeys;
class RedisLockService;
class RedisPool;
class SecretBox;
class SnowflakeGenerator;

/// The shared infrastructure every module of pomelo-server is built on. Owned by ServerApp; the
/// modules hold references for their lifetime (they are destroyed first).
struct ServerContext
{
    const Config &config;
    RedisPool &redis;
    const RedisKeys &keys;
    RedisLockService &locks;
    Database &db;
    SnowflakeGenerator &ids;
    QTimeZone zone;
    /// Opens the app secrets sealed in the database (key file in the data dir).
    const SecretBox &secrets;
};

} // namespace pomelo
