// The `redis.url` setting (INI file, environment, --redis-url flag): RedisUrl::parse, and the
// URL it writes back for another process (toString), which must parse to the same thing.
#include "fuzzsupport.h"
#include "redis/redisurl.h"

#include <QString>

using namespace pomelo;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QString text = QString::fromUtf8(fuzz::bytes(data, size));
    RedisUrl::isEmbedded(text);

    QString error;
    const std::optional<RedisUrl> url = RedisUrl::parse(text, &error);
    if (!url) {
        FUZZ_CHECK(!error.isEmpty());
        return 0;
    }
    FUZZ_CHECK(url->database >= 0);
    if (url->transport == RedisUrl::Transport::Tcp) {
        FUZZ_CHECK(!url->host.isEmpty() && url->port != 0);
    } else {
        FUZZ_CHECK(url->socketPath.startsWith(u'/'));
    }

    const QString written = url->toString();
    QString reparseError;
    const std::optional<RedisUrl> again = RedisUrl::parse(written, &reparseError);
    FUZZ_CHECK(again.has_value());
    FUZZ_CHECK(*again == *url);

    // The display form never shows a password.
    const std::optional<RedisUrl> displayed = RedisUrl::parse(url->toDisplayString());
    FUZZ_CHECK(!displayed || url->password.isEmpty()
               || displayed->password == QLatin1String("***"));
    return 0;
}
